export { FileTokenStore } from './stores/file/file-token-store.js';
export { defaultSessionDir } from './stores/file/paths.js';

export type { FileTokenStoreOptions, FileTokenStoreSetOptions } from './stores/file/file-token-store.js';
export type { FileSession, UnreadableSessionFile } from './stores/file/session-file.js';
export type { SessionDpopKey, SessionMeta } from './stores/file/format.js';
export type { SessionDirEnv } from './stores/file/paths.js';
