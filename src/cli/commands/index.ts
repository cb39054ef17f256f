import type { Command, CommandGroup } from '../command.js';
import { emulate } from './emulate.js';
import { loginOAuth2 } from './login-oauth2.js';
import { loginSqowey } from './login-sqowey.js';
import { logoutOAuth2, logoutSqowey } from './logout.js';
import { sessions } from './sessions.js';
import { tokenDotkernel } from './token-dotkernel.js';
import { tokenOAuth2 } from './token-oauth2.js';
import { tokenSqowey } from './token-sqowey.js';
import { tokenSquidex } from './token-squidex.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: ReadonlyArray<Command | CommandGroup> = [
	{
		name: 'token',
		summary: 'print one access token for a script',
		commands: [tokenSquidex, tokenDotkernel, tokenOAuth2, tokenSqowey],
	},
	{
		name: 'login',
		summary: 'log a person in (browser with PKCE, or another device) and keep the session',
		commands: [loginSqowey, loginOAuth2],
	},
	{
		name: 'logout',
		summary: 'revoke a stored session at the provider and delete it',
		commands: [logoutSqowey, logoutOAuth2],
	},
	sessions,
	emulate,
];
