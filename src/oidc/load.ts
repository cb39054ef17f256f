import { once } from '../once.js';

/**
 * The OpenID Connect chunk (ID token checks, JWKS, userinfo, end-session URL), loaded with `import()` when first
 * needed, as DPoP is: an SPA that never logs in with `openid` does not carry it.
 */
export const loadOpenId = /* @__PURE__ */ once(() => import('./openid.js'));
