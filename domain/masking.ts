/** A key is shown masked everywhere but the buyer's own fetch: at most its last 4 characters. */
export function maskCode(code: string): string {
  const visible = code.length > 8 ? 4 : Math.max(0, Math.floor(code.length / 3));
  return '*'.repeat(Math.max(4, code.length - visible)) + code.slice(code.length - visible);
}

/** "alice@example.com" → "a***@example.com": enough for an agent to recognise, not to contact. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
