import type { StepReport } from './protocol.js';
import { runScenario } from './scenario.js';

/**
 * The scenario as a Worker module, for workerd: `POST /` with `{ "controlUrl": … }` runs it inside that one request
 * (a Worker may not share I/O between requests) and answers with every step's report, as a JSON array.
 */
export default {
	async fetch(request: Request): Promise<Response> {
		const { controlUrl } = (await request.json()) as { controlUrl: string };
		const lines: StepReport[] = [];
		await runScenario(controlUrl, `workerd (${navigator.userAgent})`, [], (line) => lines.push(line));
		return Response.json(lines);
	},
};
