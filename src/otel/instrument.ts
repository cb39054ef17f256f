import diagnostics from 'node:diagnostics_channel';
import type { MeterProvider, ObservableResult, TracerProvider } from '@opentelemetry/api';
import { usePackage } from '../optional-package.js';
import {
	type ApiRetryMessage,
	DiagnosticsChannel,
	type LockWaitMessage,
	type StoreMessage,
	type TokenRequestMessage,
} from '../diagnostics/channels.js';
import { errorType, serverAttributes } from './attributes.js';
import { openTelemetryApi } from './load-api.js';
import { createMetrics } from './metrics.js';
import { createSpanBook } from './spans.js';

/** Options of {@link instrument}. */
export interface InstrumentOptions {
	/** Where spans go. Default: the global one (`trace.getTracerProvider()`, set by the OpenTelemetry SDK). */
	readonly tracerProvider?: TracerProvider | undefined;
	/** Where metrics go. Default: the global one (`metrics.getMeterProvider()`). */
	readonly meterProvider?: MeterProvider | undefined;
}

/** The instrumentation scope spans and metrics name as their source. */
const SCOPE = 'tokenkeeper';

/**
 * tokenkeeper finds `diagnostics_channel` through `process.getBuiltinModule` (Node 20.16+; see diagnostics/probes.ts).
 * Without it nothing is ever published, and instrument() would only ever give an empty dashboard: say so.
 */
function warnIfSilent(): void {
	if (typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule === 'function') return;
	process.emitWarning(
		`tokenkeeper publishes no diagnostics on Node ${process.version} (it needs process.getBuiltinModule, Node 20.16 or later): instrument() will record nothing.`,
		{ code: 'TOKENKEEPER_NO_DIAGNOSTICS' },
	);
}

/** A tracing channel's subscriber: tracingChannel().subscribe() takes these five, and any may be left out. */
interface TracingHandlers<M> {
	start?(message: M): void;
	end?(message: M): void;
	asyncStart?(message: M): void;
	asyncEnd?(message: M): void;
	error?(message: M): void;
}

/**
 * Turn tokenkeeper's diagnostics channels into OpenTelemetry spans and metrics (Node only). Spans:
 * `tokenkeeper.token_request` (a child of the active span where the request was started: a token request made during
 * an API call sits under that call's span), `tokenkeeper.lock_wait`, and `tokenkeeper.store` for stores outside the
 * process. A token request shared by concurrent callers (single flight) belongs to the context of the caller that
 * started it; the others wait for it without a span of their own. Metrics: see docs/observability.md.
 * Call it once, after the SDK has started; it returns the function that stops it. Without `@opentelemetry/api`
 * installed it throws a `MissingPackageError` (`ERR_MISSING_PACKAGE`) saying so.
 * @example
 * import { instrument } from 'tokenkeeper/otel';
 * const stop = instrument(); // the global tracer and meter providers, as the OpenTelemetry Node SDK sets them
 */
export function instrument(options: InstrumentOptions = {}): () => void {
	const otel = usePackage(openTelemetryApi, '@opentelemetry/api', 'instrument() (tokenkeeper/otel)');
	const { metrics, SpanKind, trace } = otel;
	warnIfSilent();
	const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
	const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
	const recorded = createMetrics(meter);
	const spans = createSpanBook(tracer, otel);
	const started = new WeakMap<object, number>();

	const tokenRequest: TracingHandlers<TokenRequestMessage> = {
		start(message) {
			started.set(message, performance.now());
			spans.start(message, 'tokenkeeper.token_request', SpanKind.CLIENT, {
				'http.request.method': 'POST',
				...serverAttributes(message.endpoint),
				'tokenkeeper.grant_type': message.grantType,
				'tokenkeeper.reason': message.reason,
			});
		},
		asyncEnd(message) {
			const seconds = (performance.now() - (started.get(message) ?? performance.now())) / 1000;
			spans.end(
				message,
				{
					...(message.status === undefined ? {} : { 'http.response.status_code': message.status }),
					'tokenkeeper.attempts': message.attempts,
				},
				message.error,
			);
			const outcome = message.error === undefined ? 'ok' : errorType(message.error);
			const attributes = { 'tokenkeeper.grant_type': message.grantType, 'tokenkeeper.outcome': outcome };
			recorded.tokenRequests.add(1, { ...attributes, 'tokenkeeper.reason': message.reason });
			recorded.tokenRequestDuration.record(seconds, attributes);
		},
	};

	const lockWait: TracingHandlers<LockWaitMessage> = {
		start: (message) => spans.start(message, 'tokenkeeper.lock_wait', SpanKind.INTERNAL, { 'tokenkeeper.store': message.store }),
		asyncEnd(message) {
			const outcome = message.outcome ?? 'failed';
			spans.end(message, { 'tokenkeeper.outcome': outcome }, message.error);
			recorded.lockWaitDuration.record((message.waitedMs ?? 0) / 1000, {
				'tokenkeeper.store': message.store,
				'tokenkeeper.outcome': outcome,
			});
		},
	};

	const store: TracingHandlers<StoreMessage> = {
		start(message) {
			// An in-process store's calls are no round trip: a span each would only be noise.
			if (message.store === 'memory') return;
			spans.start(message, 'tokenkeeper.store', SpanKind.CLIENT, {
				'tokenkeeper.store': message.store,
				'tokenkeeper.operation': message.operation,
			});
		},
		asyncEnd: (message) => spans.end(message, { 'tokenkeeper.outcome': message.outcome ?? 'error' }, message.error),
	};

	const onApiRetry = (message: unknown) => {
		const { status, origin } = message as ApiRetryMessage;
		const attributes = { 'http.response.status_code': status, ...serverAttributes(origin) };
		recorded.apiRetries.add(1, attributes);
		// On the API call's own span, when one is active (an HTTP client instrumentation's, or the app's).
		trace.getActiveSpan()?.addEvent('tokenkeeper.api_retry', attributes);
	};
	const onRefreshAhead = () => recorded.refreshAhead.add(1);
	// The hottest event there is (every cached read): an increment here, one observation per collection.
	let nearCacheHits = 0;
	const onNearCacheHit = () => {
		nearCacheHits += 1;
	};
	const observeNearCacheHits = (result: ObservableResult) => {
		if (nearCacheHits > 0) result.observe(nearCacheHits);
	};
	recorded.nearCacheHits.addCallback(observeNearCacheHits);

	const traced: ReadonlyArray<readonly [string, TracingHandlers<never>]> = [
		[DiagnosticsChannel.TokenRequest, tokenRequest as TracingHandlers<never>],
		[DiagnosticsChannel.LockWait, lockWait as TracingHandlers<never>],
		[DiagnosticsChannel.Store, store as TracingHandlers<never>],
	];
	const plain: ReadonlyArray<readonly [string, (message: unknown) => void]> = [
		[DiagnosticsChannel.ApiRetry, onApiRetry],
		[DiagnosticsChannel.RefreshAhead, onRefreshAhead],
		[DiagnosticsChannel.NearCacheHit, onNearCacheHit],
	];
	for (const [name, handlers] of traced) diagnostics.tracingChannel(name).subscribe(handlers as never);
	for (const [name, handler] of plain) diagnostics.subscribe(name, handler);

	let stopped = false;
	return function stop() {
		if (stopped) return;
		stopped = true;
		for (const [name, handlers] of traced) diagnostics.tracingChannel(name).unsubscribe(handlers as never);
		for (const [name, handler] of plain) diagnostics.unsubscribe(name, handler);
		recorded.nearCacheHits.removeCallback(observeNearCacheHits);
	};
}
