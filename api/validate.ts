import type { ZodType, z } from 'zod';
import { badRequest, zodDetails } from './errors';

/** A missing field is "is required" (zod 4 itself says "expected string, received undefined"); every other message is the schema's. */
const missingIsRequired: z.core.$ZodErrorMap = (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined);

/** Parse a part of the request; a failure is a 400 naming each bad field and why. */
export function parse<T>(schema: ZodType<T, unknown>, value: unknown, where: string): T {
  const result = schema.safeParse(value, { error: missingIsRequired });
  if (!result.success) {
    throw badRequest(`the ${where} is not valid`, zodDetails(result.error).map((d) => ({ ...d, path: d.path === '(body)' ? where : d.path })));
  }
  return result.data;
}
