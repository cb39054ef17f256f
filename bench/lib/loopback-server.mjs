// The loopback API of the hot-path benchmark: 200 and a tiny JSON body for every request, keep-alive on.
// Plain JS, run in a child process (no tsx loader needed): the server gets its own process, so the
// benchmark's process.cpuUsage() measures the client alone, and the server's cost does not dilute it.
import { createServer } from 'node:http';

const expected = process.env.EXPECTED_AUTHORIZATION ?? 'Bearer fixed';
const body = Buffer.from('{"ok":true}');
const stats = { requests: 0, wrongAuthorization: 0, otherPaths: 0 };

const server = createServer((req, res) => {
	stats.requests += 1;
	if (req.headers.authorization !== expected) stats.wrongAuthorization += 1;
	if (req.url !== '/x') stats.otherPaths += 1;
	res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
	res.end(body);
});
// Longer than undici's idle timeout (4 s), so the client never races a server-side close between rounds.
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
	process.send({ type: 'listening', port: server.address().port });
});

process.on('message', (message) => {
	if (message === 'stats') process.send({ type: 'stats', stats: { ...stats } });
	if (message === 'close') {
		server.close(() => process.send({ type: 'closed' }, () => process.exit(0)));
		server.closeAllConnections();
	}
});
// The parent went away without saying goodbye: do not linger.
process.on('disconnect', () => process.exit(0));
