export { FileTokenStore } from './stores/file.js';
export { defaultSessionDir } from './stores/file-paths.js';

export type { FileSession, FileTokenStoreOptions, FileTokenStoreSetOptions, UnreadableSessionFile } from './stores/file.js';
export type { SessionMeta } from './stores/file-format.js';
export type { SessionDirEnv } from './stores/file-paths.js';
