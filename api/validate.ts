import type { ZodType, ZodTypeDef } from 'zod';
import { badRequest, zodDetails } from './errors';

/** Parse a part of the request; a failure is a 400 naming each bad field and why. */
export function parse<T>(schema: ZodType<T, ZodTypeDef, unknown>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw badRequest(`the ${where} is not valid`, zodDetails(result.error).map((d) => ({ ...d, path: d.path === '(body)' ? where : d.path })));
  }
  return result.data;
}
