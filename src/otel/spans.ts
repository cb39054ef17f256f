import type { Attributes, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { errorType } from './attributes.js';

/**
 * The spans of traced operations, by message: a tracing channel hands its subscriber the same message object at
 * start and at asyncEnd. Weak: an operation whose end never comes (a process killed mid-request) leaks nothing.
 * `otel`: the OpenTelemetry API as `instrument()` loaded it.
 */
export function createSpanBook(
	tracer: Tracer,
	{ context, SpanStatusCode }: Pick<typeof import('@opentelemetry/api'), 'context' | 'SpanStatusCode'>,
) {
	const open = new WeakMap<object, Span>();
	return {
		/**
		 * Start a span for `message`, a child of the active context: at a channel's `start`, that is the caller's, so a
		 * token request made during an API call sits under that call's span.
		 */
		start(message: object, name: string, kind: SpanKind, attributes: Attributes): void {
			open.set(message, tracer.startSpan(name, { kind, attributes }, context.active()));
		},
		/** End the span of `message`, with `attributes`, marked failed when `error` is given; `endTime` in epoch ms. */
		end(message: object, attributes: Attributes, error?: unknown, endTime?: number): void {
			const span = open.get(message);
			if (!span) return;
			open.delete(message);
			span.setAttributes(attributes);
			if (error !== undefined) {
				const type = errorType(error);
				span.setAttribute('error.type', type);
				span.setStatus({ code: SpanStatusCode.ERROR, message: type });
			}
			span.end(endTime);
		},
	};
}
