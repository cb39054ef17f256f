/**
 * An IndexedDB request's result, once it succeeds: for the two things tokenkeeper keeps there, sessions
 * (stores/browser/indexed-db.ts) and DPoP keys (dpop/indexed-db-key-storage.ts).
 */
export function promised<R extends IDBRequest>(request: R): Promise<R['result']> {
	return new Promise((resolve, reject) => {
		request.onsuccess = () => resolve(request.result);
		request.onerror = () => reject(request.error);
	});
}
