import * as z from 'zod/mini';

/**
 * The zod/mini functions the OpenID chunk validates with, handed to it by the bundle that loads it, which holds them
 * already (its token responses are read with them): the chunk then carries no copy of zod, and an app's bundler makes
 * no chunk of zod shared by the two, which would load up front as a file of its own (360 B more, min+gz).
 */
export const zodKit = { object: z.object, optional: z.optional, custom: z.custom };

export type ZodKit = typeof zodKit;
