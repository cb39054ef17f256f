import type { ConsentMode } from '../emulator/provider-module.js';
import { randomBase64Url, randomHex } from '../emulator/random.js';

// RFC 8628 6.1: consonants only (no vowels, so no words; no 0/O or 1/I to confuse), 8 of them: 20^8 codes.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
// RFC 8628 3.5: each slow_down adds this to the interval, for this poll and every later one.
const SLOW_DOWN_SECONDS = 5;

/** A device login, from the device authorization request to the poll that gets its tokens. */
export interface IssuedDeviceLogin {
	readonly deviceCode: string;
	/** As shown to the person: `XXXX-XXXX`. */
	readonly userCode: string;
	readonly clientId: string;
	readonly scope: string;
	/** The login the tokens issued for it belong to, so a refresh token replay can revoke them all. */
	readonly session: string;
	readonly expiresAt: number;
	/** The resources the device authorization request named (RFC 8707); undefined: every resource of the server. */
	readonly resources: readonly string[] | undefined;
}

interface DeviceLoginRecord extends IssuedDeviceLogin {
	/** Seconds the client must leave between polls; grows with each slow_down. */
	interval: number;
	lastPollAt: number | undefined;
	status: 'pending' | 'approved' | 'denied' | 'spent';
}

/** How a person's decision went: `unknown` (no such code), `expired`, or `decided` already. */
export type DeviceDecisionOutcome =
	| { readonly ok: true; readonly userCode: string; readonly decision: ConsentMode }
	| { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'decided' };

/** The answer to one poll: the approved login (spent by this poll), or the RFC 8628 3.5 error to answer with. */
export type DevicePollOutcome =
	| { readonly ok: true; readonly login: IssuedDeviceLogin }
	| {
			readonly ok: false;
			readonly error: 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'invalid_grant';
			readonly description: string;
	  };

/**
 * Device logins (RFC 8628): codes that live `lifetime` seconds, a person's decision by user code, and polls
 * answered pending, slow down, denied, expired or with the tokens, once.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export class DeviceLogins {
	readonly #now: () => number;
	readonly #byDeviceCode = new Map<string, DeviceLoginRecord>();
	readonly #byUserCode = new Map<string, DeviceLoginRecord>();

	constructor(now: () => number) {
		this.#now = now;
	}

	/** Starts a login for `clientId`: its codes live `lifetime` seconds, and it must be polled at most every `interval`. */
	start(clientId: string, scope: string, resources: readonly string[] | undefined, lifetime: number, interval: number): IssuedDeviceLogin {
		let compact = randomUserCode();
		while (this.#byUserCode.has(compact)) compact = randomUserCode();
		const record: DeviceLoginRecord = {
			deviceCode: randomBase64Url(32),
			userCode: `${compact.slice(0, 4)}-${compact.slice(4)}`,
			clientId,
			scope,
			resources,
			session: randomHex(16),
			expiresAt: this.#now() + lifetime * 1000,
			interval,
			lastPollAt: undefined,
			status: 'pending',
		};
		this.#byDeviceCode.set(record.deviceCode, record);
		this.#byUserCode.set(compact, record);
		return record;
	}

	/** A person's answer for `userCode` (case and dashes do not matter), or for the most recent pending login. */
	decide(userCode: string | undefined, decision: ConsentMode): DeviceDecisionOutcome {
		const record = userCode === undefined ? this.#latestPending() : this.#byUserCode.get(compactUserCode(userCode));
		if (!record) return { ok: false, reason: 'unknown' };
		if (this.#now() >= record.expiresAt) return { ok: false, reason: 'expired' };
		if (record.status !== 'pending') return { ok: false, reason: 'decided' };
		record.status = decision === 'allow' ? 'approved' : 'denied';
		return { ok: true, userCode: record.userCode, decision };
	}

	/** One poll by `clientId`. Synchronous on purpose, so two concurrent polls cannot both get the tokens. */
	poll(deviceCode: string, clientId: string): DevicePollOutcome {
		const record = this.#byDeviceCode.get(deviceCode);
		if (!record || record.clientId !== clientId)
			return refusal('invalid_grant', 'The device code is unknown, or was issued to another client.');
		if (record.status === 'spent') return refusal('invalid_grant', 'The device code was already used: start the login again.');
		const now = this.#now();
		if (now >= record.expiresAt) return refusal('expired_token', 'The device code expired: start the login again.');
		const last = record.lastPollAt;
		record.lastPollAt = now;
		// The first poll may come at once; a poll that follows another too closely is told to slow down.
		if (record.interval > 0 && last !== undefined && now - last < record.interval * 1000) {
			record.interval += SLOW_DOWN_SECONDS;
			return refusal('slow_down', `Polled too fast: wait at least ${record.interval} s between polls.`);
		}
		if (record.status === 'pending') return refusal('authorization_pending', 'The person has not answered yet.');
		if (record.status === 'denied') return refusal('access_denied', 'The person denied the login.');
		record.status = 'spent';
		return { ok: true, login: record };
	}

	#latestPending(): DeviceLoginRecord | undefined {
		const now = this.#now();
		return [...this.#byDeviceCode.values()].findLast((record) => record.status === 'pending' && now < record.expiresAt);
	}
}

function refusal(error: Extract<DevicePollOutcome, { ok: false }>['error'], description: string): DevicePollOutcome {
	return { ok: false, error, description };
}

/** What a person typed, as the code is kept: upper case, without the dash or spaces (RFC 8628 6.1). */
function compactUserCode(userCode: string): string {
	return userCode.toUpperCase().replace(/[\s-]/g, '');
}

function randomUserCode(): string {
	let code = '';
	while (code.length < USER_CODE_LENGTH) {
		for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(USER_CODE_LENGTH))) {
			// Bytes from 240 up would favour the first letters (256 is not a multiple of 20): drawn again.
			if (byte < 240 && code.length < USER_CODE_LENGTH) code += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
		}
	}
	return code;
}
