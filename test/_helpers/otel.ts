import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
	AggregationTemporality,
	DataPointType,
	InMemoryMetricExporter,
	MeterProvider,
	PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrument } from '../../src/otel.js';

/** One data point of an exported metric: a counter's value, or a histogram's count and sum. */
export interface MetricPoint {
	readonly name: string;
	readonly attributes: Record<string, unknown>;
	readonly value: number;
	/** Histograms only. */
	readonly count?: number;
}

/**
 * The OpenTelemetry SDK as an app sets it up (AsyncLocalStorage context, a tracer and a meter provider), exporting into
 * its in-memory exporters, with {@link instrument} on. `close()` stops it all.
 */
export function startTelemetry() {
	const contextManager = new AsyncLocalStorageContextManager().enable();
	context.setGlobalContextManager(contextManager);
	const spanExporter = new InMemorySpanExporter();
	const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
	const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
	// Exported on demand (forceFlush), never on a timer during a test.
	const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
	const meterProvider = new MeterProvider({ readers: [reader] });
	const stop = instrument({ tracerProvider, meterProvider });
	const tracer = tracerProvider.getTracer('test-app');

	return {
		tracer,
		stop,
		spans(name?: string): ReadableSpan[] {
			const all = spanExporter.getFinishedSpans();
			return name === undefined ? all : all.filter((span) => span.name === name);
		},
		/** Every data point exported so far, flattened (the latest export: metrics are cumulative). */
		async metrics(name?: string): Promise<MetricPoint[]> {
			await meterProvider.forceFlush();
			const latest = metricExporter.getMetrics().at(-1);
			const points: MetricPoint[] = [];
			for (const scope of latest?.scopeMetrics ?? []) {
				for (const metric of scope.metrics) {
					if (name !== undefined && metric.descriptor.name !== name) continue;
					for (const point of metric.dataPoints) {
						const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
						const value = point.value as number | { count: number; sum?: number };
						points.push({
							name: metric.descriptor.name,
							attributes: { ...point.attributes },
							value: histogram ? ((value as { sum?: number }).sum ?? 0) : (value as number),
							...(histogram ? { count: (value as { count: number }).count } : {}),
						});
					}
				}
			}
			return points;
		},
		/** Everything exported, as raw objects: what the hygiene test scans. */
		async exported(): Promise<{ spans: ReadableSpan[]; metrics: unknown[] }> {
			await meterProvider.forceFlush();
			return { spans: spanExporter.getFinishedSpans(), metrics: metricExporter.getMetrics() };
		},
		reset() {
			spanExporter.reset();
		},
		async close() {
			stop();
			await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
			context.disable();
		},
	};
}
