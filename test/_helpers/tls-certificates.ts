import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate and its private key, PEM. */
export interface CertificatePair {
	readonly cert: string;
	readonly key: string;
}

/** What {@link makeCertificates} makes, in `dir` (remove it when done). */
export interface TestCertificates {
	readonly dir: string;
	/** The CA, self-signed: it signs the server's and two clients' certificates. */
	readonly ca: CertificatePair;
	/** For 127.0.0.1 (its subjectAltName). */
	readonly serverPair: CertificatePair;
	/** `O=Tokenkeeper Tests, CN=<clientId>`, signed by the CA: a tls_client_auth client. */
	readonly client: CertificatePair;
	/** `O=Tokenkeeper Tests, CN=intruder`, signed by the CA. */
	readonly intruder: CertificatePair;
	/** `CN=<clientId>`, self-signed: a self_signed_tls_client_auth client. */
	readonly ownCert: CertificatePair;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * X.509 certificates for mTLS tests, made with the `openssl` command (Node cannot make one; .ci/run installs openssl).
 * EC P-256 keys, valid one day. Each call bounded by a timeout.
 */
export function makeCertificates(clientId: string): TestCertificates {
	const dir = mkdtempSync(path.join(tmpdir(), 'tokenkeeper-mtls-'));
	const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 20_000 });
	const read = (name: string): CertificatePair => ({
		cert: readFileSync(path.join(dir, `${name}.pem`), 'utf8'),
		key: readFileSync(path.join(dir, `${name}.key`), 'utf8'),
	});
	const selfSigned = (name: string, subject: string) => {
		openssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', subject, '-days', '1');
		return read(name);
	};
	let serial = 1;
	const signedByCa = (name: string, subject: string, extensions: string) => {
		writeFileSync(path.join(dir, `${name}.ext`), extensions);
		openssl('req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
		serial += 1;
		const ca = ['-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial), '-days', '1'];
		openssl('x509', '-req', '-in', `${name}.csr`, ...ca, '-extfile', `${name}.ext`, '-out', `${name}.pem`);
		return read(name);
	};
	const ca = selfSigned('ca', '/CN=Tokenkeeper Test CA');
	const clientAuth = 'extendedKeyUsage=clientAuth\n';
	return {
		dir,
		ca,
		serverPair: signedByCa('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\n'),
		client: signedByCa('client', `/O=Tokenkeeper Tests/CN=${clientId}`, clientAuth),
		intruder: signedByCa('intruder', '/O=Tokenkeeper Tests/CN=intruder', clientAuth),
		ownCert: selfSigned('self', `/CN=${clientId}`),
	};
}
