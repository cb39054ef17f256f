export { FileTokenStore } from './stores/file.js';
export { defaultSessionDir } from './stores/file-paths.js';

export type { FileTokenStoreOptions, FileTokenStoreSetOptions } from './stores/file.js';
export type { FileSession, UnreadableSessionFile } from './stores/file-session.js';
export type { SessionDpopKey, SessionMeta } from './stores/file-format.js';
export type { SessionDirEnv } from './stores/file-paths.js';
