/**
 * A Node backend with OpenTelemetry: tokenkeeper's spans and metrics beside the app's own. It calls a Squidex-style
 * API under a span, has every token revoked, calls again, and prints what the SDK exported: the span tree and the
 * metrics. A real service exports to a collector instead (see docs/observability.md).
 *
 *   npm run example:observability     # against a local emulator (no account, no network)
 */
import { pathToFileURL } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createClient, createTokenManager, squidex } from 'tokenkeeper';
import { instrument } from 'tokenkeeper/otel';
import { createEmulator } from 'tokenkeeper/testing';

/** Run the scenario; resolves with the lines it prints. */
export async function runObservabilityExample(): Promise<string[]> {
	// The SDK, as the app sets it up once at start (the Node SDK's NodeSDK does the same with OTLP exporters).
	const contextManager = new AsyncLocalStorageContextManager().enable();
	context.setGlobalContextManager(contextManager);
	const spans = new InMemorySpanExporter();
	const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
	trace.setGlobalTracerProvider(tracerProvider);
	const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
	const meterProvider = new MeterProvider({
		readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 })],
	});
	// Then tokenkeeper's instrumentation: here with explicit providers; without them it uses the global ones.
	const stop = instrument({ tracerProvider, meterProvider });

	const emulator = await createEmulator();
	const lines: string[] = [];
	try {
		const tokens = createTokenManager(squidex(emulator.credentials.squidex));
		const api = createClient({ prefixUrl: `${emulator.credentials.squidex.url}/api/`, auth: tokens });
		const tracer = tracerProvider.getTracer('example-backend');
		const listSchemas = (name: string) =>
			tracer.startActiveSpan(name, async (span) => {
				await api.get('apps/food-crunch/schemas').json();
				span.end();
			});
		await listSchemas('list schemas (cold)');
		emulator.revokeAllTokens();
		await listSchemas('list schemas (after a revocation)');
		await listSchemas('list schemas (cached)');

		await meterProvider.forceFlush();
		lines.push('spans:', ...spanTree(spans.getFinishedSpans()));
		lines.push('metrics:');
		for (const metric of metricExporter
			.getMetrics()
			.at(-1)
			?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []) {
			for (const point of metric.dataPoints) {
				const value = typeof point.value === 'number' ? point.value : `count ${(point.value as { count: number }).count}`;
				lines.push(`  ${metric.descriptor.name} ${JSON.stringify(point.attributes)} = ${value}`);
			}
		}
	} finally {
		stop();
		await emulator.close();
		await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
		context.disable();
		trace.disable();
	}
	return lines;
}

/** Spans indented under their parents, with their tokenkeeper and HTTP attributes and events. */
function spanTree(all: readonly ReadableSpan[]): string[] {
	const lines: string[] = [];
	const children = (parent: string | undefined) => all.filter((span) => span.parentSpanContext?.spanId === parent);
	const walk = (span: ReadableSpan, depth: number) => {
		const attributes = Object.entries(span.attributes).map(([key, value]) => `${key}=${String(value)}`);
		const events = span.events.map((event) => `event ${event.name}`);
		lines.push(`${'  '.repeat(depth + 1)}${span.name} ${[...attributes, ...events].join(' ')}`.trimEnd());
		for (const child of children(span.spanContext().spanId)) walk(child, depth + 1);
	};
	for (const root of children(undefined)) walk(root, 0);
	return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	runObservabilityExample().then(
		(lines) => console.log(lines.join('\n')),
		(error: unknown) => {
			console.error(String(error));
			process.exitCode = 1;
		},
	);
}
