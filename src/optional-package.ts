import { MissingPackageError } from './errors.js';

/**
 * The optional peer dependencies: installed only by the apps that use them, so a missing one is a configuration
 * error, reported where it is needed with the command that installs it.
 */
export type OptionalPackageName = 'redis' | '@opentelemetry/api' | 'msw' | 'undici';

/** `msw` is for tests: a dev dependency. */
function installCommand(name: OptionalPackageName): string {
	return name === 'msw' ? 'npm install --save-dev msw' : `npm install ${name}`;
}

/** An optional package as its loader left it: the module, or why it could not be loaded. */
export type OptionalPackage<T> = { readonly module: T } | { readonly failure: unknown };

/**
 * Settle the `import()` of an optional package into an {@link OptionalPackage}: a module that imports it loads even
 * when it is missing, and says so only where the package is needed ({@link usePackage}).
 */
export function loadPackage<T>(load: () => Promise<T>): Promise<OptionalPackage<T>> {
	return load().then(
		(module) => ({ module }),
		(failure: unknown) => ({ failure }),
	);
}

/** {@link loadPackage} for the CJS build, where `require()` is synchronous. */
export function requirePackage<T>(load: () => T): OptionalPackage<T> {
	try {
		return { module: load() };
	} catch (failure) {
		return { failure };
	}
}

/** The package's module, or the {@link MissingPackageError} that says `neededBy` needs it and how to install it. */
export function usePackage<T>(loaded: OptionalPackage<T>, name: OptionalPackageName, neededBy: string): T {
	if ('module' in loaded) return loaded.module;
	throw missingPackageError(name, neededBy, loaded.failure);
}

/** Whether `failure` says that `name` itself cannot be found (ESM or CJS), not a module it imports in turn. */
function isNotFound(failure: unknown, name: string): boolean {
	const { code, message } = (failure ?? {}) as { code?: unknown; message?: unknown };
	return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes(`'${name}'`);
}

/**
 * `neededBy` cannot work without the optional package `name`: not installed (the usual case), or installed but
 * failing to load (its error is the `cause`).
 */
export function missingPackageError(name: OptionalPackageName, neededBy: string, failure: unknown): MissingPackageError {
	const why = isNotFound(failure, name) ? 'is not installed' : 'could not be loaded (see `cause`)';
	return new MissingPackageError(name, `${neededBy} needs the optional package \`${name}\`, which ${why}: ${installCommand(name)}`, {
		cause: failure,
	});
}
