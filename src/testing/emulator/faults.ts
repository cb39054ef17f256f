import { InvalidOptionError } from '../../errors.js';

/** A misbehaviour the emulator can serve instead of its normal answer. */
export type Fault =
	/** This status; `retryAfter` sets `Retry-After` in seconds; the body is empty unless given. */
	| { kind: 'status'; status: number; retryAfter?: number; body?: string; contentType?: string }
	/** An HTML error page (a proxy or captive portal answering), default status 200. */
	| { kind: 'html'; status?: number }
	/** 200 with `content-type: application/json` and a body that is not JSON. */
	| { kind: 'invalid-json' }
	/** 200 JSON with exactly this body, e.g. no `access_token`, `expires_in: -5` or `token_type: 'DPoP'`. */
	| { kind: 'token-response'; body: unknown }
	/** Never answers, until the client aborts or the emulator closes. */
	| { kind: 'hang' }
	/** The connection is dropped without an answer (a network error for the client). */
	| { kind: 'reset' }
	/** A redirect to `location` (an absolute URL), status 302 unless given. */
	| { kind: 'redirect'; location: string; status?: RedirectStatus };

/** The statuses of a redirect that fetch follows. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/** Which requests a fault hits: every token (and revocation) endpoint of every provider, or every protected resource. */
export type FaultTarget = 'token' | 'api';

/** How often and where an injected fault is served. */
export interface InjectFaultOptions {
	/** How many requests get the fault. Default `Infinity`. */
	times?: number;
	/** Default `'token'`. */
	target?: FaultTarget;
}

interface QueuedFault {
	readonly fault: Fault;
	readonly target: FaultTarget;
	remaining: number;
}

/** Injected faults, served first-injected first, each until its `times` are used up. */
export class FaultQueue {
	#queue: QueuedFault[] = [];

	/** Validates and queues a fault; throws a TypeError naming the bad field. */
	add(fault: Fault, options: InjectFaultOptions = {}): void {
		validateFault(fault);
		const { times = Infinity, target = 'token' } = options;
		if (typeof times !== 'number' || !(times === Infinity || (Number.isInteger(times) && times > 0))) {
			throw new InvalidOptionError('times', `Expected \`times\` to be a positive integer or Infinity, got \`${String(times)}\``);
		}
		if (target !== 'token' && target !== 'api') {
			throw new InvalidOptionError('target', `Expected \`target\` to be 'token' or 'api', got \`${String(target)}\``);
		}
		this.#queue.push({ fault, target, remaining: times });
	}

	/** The fault to serve for a request to `target`, if any; using it spends one of its `times`. */
	take(target: FaultTarget): Fault | undefined {
		const entry = this.#queue.find((candidate) => candidate.target === target);
		if (!entry) return undefined;
		entry.remaining -= 1;
		if (entry.remaining <= 0) this.#queue = this.#queue.filter((candidate) => candidate !== entry);
		return entry.fault;
	}

	/** Drops every queued fault; requests already hanging keep hanging. */
	clear(): void {
		this.#queue = [];
	}
}

// Checked at injection so a typo fails in the test that made it, not in a later request.
function validateFault(fault: Fault): void {
	switch (fault?.kind) {
		case 'status':
			checkStatus('status', fault.status);
			if (fault.retryAfter !== undefined && !(Number.isFinite(fault.retryAfter) && fault.retryAfter >= 0)) {
				throw new InvalidOptionError(
					'retryAfter',
					`Expected \`retryAfter\` to be a non-negative number of seconds, got \`${String(fault.retryAfter)}\``,
				);
			}
			return;
		case 'html':
			if (fault.status !== undefined) checkStatus('status', fault.status);
			return;
		case 'redirect':
			if (typeof fault.location !== 'string' || !URL.canParse(fault.location)) {
				throw new InvalidOptionError('location', `Expected \`location\` to be an absolute URL, got \`${String(fault.location)}\``);
			}
			if (fault.status !== undefined && ![301, 302, 303, 307, 308].includes(fault.status)) {
				throw new InvalidOptionError(
					'status',
					`Expected \`status\` of a redirect to be 301, 302, 303, 307 or 308, got \`${String(fault.status)}\``,
				);
			}
			return;
		case 'invalid-json':
		case 'token-response':
		case 'hang':
		case 'reset':
			return;
		default:
			throw new InvalidOptionError(
				'fault.kind',
				`Expected \`fault.kind\` to be one of status, html, invalid-json, token-response, hang, reset, redirect, got \`${String((fault as { kind?: unknown } | undefined)?.kind)}\``,
			);
	}
}

function checkStatus(name: string, status: number): void {
	// The Fetch API cannot construct a Response outside this range.
	if (!Number.isInteger(status) || status < 200 || status > 599) {
		throw new InvalidOptionError(name, `Expected \`${name}\` to be an integer from 200 to 599, got \`${String(status)}\``);
	}
}
