import { ZodDefault, ZodEnum, ZodOptional, ZodPipe, type ZodTypeAny } from 'zod';
import { ENV_DOCS, PRODUCTION_REQUIRED, envSchema } from './index';
import { RAIL_DOCS, RAIL_VARIABLES, railOfVariable } from './rails';

/*
 * The configuration reference, generated from the schema loadConfig validates with: every variable,
 * its default and its allowed values come from there, so the reference cannot drift from what the
 * product accepts. `npx tsx scripts/docs.ts` writes it into docs/configuration.md; /docs shows it too.
 */

/** Unwrap the transforms and pipes the schema wraps a variable in (refinements wrap nothing in zod 4), down to what holds `pick`. */
function find<T>(type: ZodTypeAny, pick: (t: ZodTypeAny) => T | undefined): T | undefined {
  const found = pick(type);
  if (found !== undefined) return found;
  if (type instanceof ZodPipe) return find(type.in as ZodTypeAny, pick);
  if (type instanceof ZodOptional || type instanceof ZodDefault) return find(type.unwrap() as ZodTypeAny, pick);
  return undefined;
}

const defaultOf = (type: ZodTypeAny) => find(type, (t) => (t instanceof ZodDefault ? String(t.def.defaultValue) : undefined));
const choicesOf = (type: ZodTypeAny) => find(type, (t) => (t instanceof ZodEnum ? (t.options as string[]) : undefined));

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export interface ConfigVariable {
  name: string;
  default?: string;
  choices?: string[];
  requiredInProduction: boolean;
  rail?: { rail: string; required: boolean };
  description: string;
}

/** Every variable the product reads, in the schema's order, then the payment rails'. */
export function configVariables(): ConfigVariable[] {
  const shape = envSchema.shape as Record<keyof typeof ENV_DOCS, ZodTypeAny>;
  const general = (Object.keys(shape) as (keyof typeof ENV_DOCS)[]).map((name) => ({
    name,
    default: defaultOf(shape[name]),
    choices: choicesOf(shape[name]),
    requiredInProduction: (PRODUCTION_REQUIRED as readonly string[]).includes(name),
    description: ENV_DOCS[name],
  }));
  const rails = (RAIL_VARIABLES as (keyof typeof RAIL_DOCS)[]).map((name) => ({
    name,
    requiredInProduction: false,
    rail: railOfVariable(name),
    description: RAIL_DOCS[name],
  }));
  return [...general, ...rails];
}

/** The reference as Markdown tables: the general settings, then the payment rails'. */
export function configurationReference(): string {
  const variables = configVariables();
  const general = variables.filter((v) => !RAIL_VARIABLES.includes(v.name));
  const rails = variables.filter((v) => RAIL_VARIABLES.includes(v.name));
  const row = (v: ConfigVariable) => {
    const notes = [
      v.requiredInProduction ? '**Required in production.**' : '',
      v.choices ? `One of ${v.choices.map((c) => `\`${c}\``).join(', ')}.` : '',
      v.rail ? (v.rail.required ? `Turns the ${v.rail.rail} rail on, with the others it needs.` : `Optional for the ${v.rail.rail} rail.`) : '',
    ].filter(Boolean);
    return `| \`${v.name}\` | ${v.default === undefined ? '' : `\`${cell(v.default)}\``} | ${cell([v.description, ...notes].join(' '))} |`;
  };
  return [
    'Every variable is validated at start; a bad value stops the process with a message naming the variable (never its value). Durations are written like `90s`, `15m`, `24h`, `7d`.',
    '',
    '| Variable | Default | What it does |',
    '|---|---|---|',
    ...general.map(row),
    '',
    'Payment rails: a rail is on when its settings are present; some but not all of a rail\'s required settings is an error naming the missing ones. Keys are PEM text or the path of a PEM file.',
    '',
    '| Variable | Default | What it does |',
    '|---|---|---|',
    ...rails.map(row),
    '',
  ].join('\n');
}
