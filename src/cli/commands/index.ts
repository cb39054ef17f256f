import type { Command, CommandGroup } from '../command.js';
import { emulate } from './emulate.js';
import { loginSqowey } from './login-sqowey.js';
import { tokenDotkernel } from './token-dotkernel.js';
import { tokenOAuth2 } from './token-oauth2.js';
import { tokenSquidex } from './token-squidex.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: ReadonlyArray<Command | CommandGroup> = [
	{
		name: 'token',
		summary: 'print one access token for a script',
		commands: [tokenSquidex, tokenDotkernel, tokenOAuth2],
	},
	{
		name: 'login',
		summary: 'log a person in through the browser',
		commands: [loginSqowey],
	},
	emulate,
];
