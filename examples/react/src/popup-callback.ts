/**
 * The script of /popup-callback.html, the redirect URI of the popup login: it hands the URL it reached to the app's
 * window that waits in `login({ popup: true })`, then closes the popup. It exchanges nothing and keeps nothing; the
 * app's page is not loaded here, so no second provider sees the code.
 */
import { handlePopupCallback } from 'tokenkeeper';

handlePopupCallback();
