export { instrument } from './otel/instrument.js';
export { DiagnosticsChannel } from './diagnostics/channels.js';

export type { InstrumentOptions } from './otel/instrument.js';
export type {
	ApiRetryMessage,
	LockWaitMessage,
	NearCacheHitMessage,
	RefreshAheadMessage,
	StoreMessage,
	TokenRequestMessage,
	TokenRequestReason,
} from './diagnostics/channels.js';
