/** Placeholder until the popup helper's module lands: the shape the manager uses. */
export type SessionMessage = { readonly type: 'signed-in' | 'signed-out'; readonly key: string };
export interface SessionChannel {
	post(message: SessionMessage): void;
	on(listener: (message: SessionMessage) => void): () => void;
	close(): void;
}
export function createSessionChannel(): SessionChannel | undefined {
	return undefined;
}
