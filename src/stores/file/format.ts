import { invalidOption } from '../../options.js';
import { fromTokenSetRecord, toTokenSetRecord, type TokenSet } from '../../token-set.js';
import type { SessionFileProblem } from './errors.js';

/** Bumped when the stored shape changes; a file of another version is reported, never read as something else. */
export const FILE_FORMAT = 1;

/** Non-secret fields kept next to a session: strings only, so that nothing can hide a token in a nested object. */
export type SessionMeta = Readonly<Record<string, string>>;

/**
 * The private DPoP key of a session that has one (`tokenkeeper login … --dpop`): an EC P-256 JWK with its private
 * `d`. A secret like the tokens it is kept with, in the same 0600 file.
 */
export interface SessionDpopKey {
	readonly kty: 'EC';
	readonly crv: 'P-256';
	readonly x: string;
	readonly y: string;
	readonly d: string;
}

/** One session file, decoded. */
export interface SessionEntry {
	/** The session key, as given to the store (never derived from a secret): what `list()` shows. */
	readonly key: string;
	readonly tokenSet: TokenSet;
	/** Epoch ms after which the entry reads as absent (from `set`'s `ttl`); `undefined` = until replaced or deleted. */
	readonly keepUntil?: number | undefined;
	readonly meta?: SessionMeta | undefined;
	/** The DPoP key the session's tokens are bound to, when it has one. */
	readonly dpopKey?: SessionDpopKey | undefined;
}

/**
 * The file's text: `{ "v": 1, "key": …, "keepUntil"?: …, "meta"?: {…}, "tokens": {…} }`, indented for a person
 * who opens it. Every token field is written in full (that is the point of the file): never log this text.
 */
export function encodeSessionEntry(entry: SessionEntry): string {
	const record = {
		v: FILE_FORMAT,
		key: entry.key,
		keepUntil: entry.keepUntil,
		meta: entry.meta,
		dpopKey: entry.dpopKey,
		tokens: toTokenSetRecord(entry.tokenSet),
	};
	return `${JSON.stringify(record, null, 2)}\n`;
}

/** A decoded entry, or what is wrong with the text. */
export type DecodedSessionFile = { readonly entry: SessionEntry } | { readonly problem: SessionFileProblem };

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `meta` as stored: an object of strings, or `undefined` when it is anything else. */
export function readMeta(value: unknown): SessionMeta | undefined {
	if (!isPlainObject(value)) return undefined;
	const entries = Object.entries(value);
	if (!entries.every(([, field]) => typeof field === 'string')) return undefined;
	return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}

/** A DPoP key as stored: an EC P-256 private JWK (only its five members), or `undefined` when it is anything else. */
export function readDpopKey(value: unknown): SessionDpopKey | undefined {
	if (!isPlainObject(value) || value.kty !== 'EC' || value.crv !== 'P-256') return undefined;
	const { x, y, d } = value;
	if (typeof x !== 'string' || typeof y !== 'string' || typeof d !== 'string') return undefined;
	return Object.freeze({ kty: 'EC', crv: 'P-256', x, y, d });
}

/** A `meta` option, checked: an object of strings (a TypeError names the option otherwise). */
export function requireMeta(value: SessionMeta): SessionMeta {
	const meta = readMeta(value);
	if (meta === undefined) throw invalidOption('meta', 'an object of strings', value);
	return meta;
}

/**
 * Decode a session file. Strict, since the file is on a disk a person can edit: anything that is not exactly a
 * format-1 entry is a problem to report, so that a damaged session is named and kept, not silently replaced.
 */
export function decodeSessionFile(text: string): DecodedSessionFile {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		// The parser's message quotes the text, which may hold a token: only the kind of problem leaves here.
		return { problem: { kind: 'not-json' } };
	}
	if (!isPlainObject(value) || !('v' in value)) return { problem: { kind: 'foreign' } };
	if (typeof value.v === 'number' && Number.isInteger(value.v) && value.v > FILE_FORMAT) {
		return { problem: { kind: 'newer', version: value.v } };
	}
	if (value.v !== FILE_FORMAT) return { problem: { kind: 'foreign' } };
	if (typeof value.key !== 'string' || value.key === '') return damaged('no session key');
	const tokenSet = fromTokenSetRecord(value.tokens);
	if (!tokenSet) return damaged('no access token');
	const { keepUntil, meta, dpopKey } = value;
	if (keepUntil !== undefined && (typeof keepUntil !== 'number' || !Number.isFinite(keepUntil))) return damaged('a bad keepUntil');
	const readableMeta = readMeta(meta);
	if (meta !== undefined && readableMeta === undefined) return damaged('meta is not an object of strings');
	const readableKey = readDpopKey(dpopKey);
	if (dpopKey !== undefined && readableKey === undefined) return damaged('dpopKey is not an EC P-256 private JWK');
	return { entry: { key: value.key, tokenSet, keepUntil, meta: readableMeta, dpopKey: readableKey } };
}

function damaged(detail: string): DecodedSessionFile {
	return { problem: { kind: 'damaged', detail } };
}
