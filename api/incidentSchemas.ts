/** The incidents' request and answer bodies (the contract's "Incidents and making good"), beside api/schemas.ts. */
import { AFFECTED_REASONS, INCIDENT_CAUSES, INCIDENT_STATUSES } from '../domain/incident';
import { ORDER_STATUSES } from '../domain/order';
import { PAYMENT_METHODS } from '../domain/payment';
import { termsRules } from '../domain/coupons';
import { isDuration, parseDuration } from '../domain/duration';
import { BoundedDuration, MerchantId, Money, OrderId, z } from './schemas';

const isoTime = z
  .string()
  .datetime({ offset: true, error: 'must be an ISO-8601 time like 2026-11-30T08:00:00Z' })
  .refine((t) => Date.parse(t) <= Date.now() + 60_000, 'must not be in the future');
const PublicNote = z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters');

export const IncidentId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'is not an incident id');

export const DeclareIncident = z
  .object({
    title: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
    cause: z.enum(INCIDENT_CAUSES, { error: `must be one of ${INCIDENT_CAUSES.join(', ')}` }),
    startedAt: isoTime,
    endedAt: isoTime.optional(),
    publicNote: PublicNote.openapi({ description: 'What the public status page and /report say; no ids, emails or amounts of anyone.' }),
  })
  .strict()
  .refine((b) => !b.endedAt || Date.parse(b.endedAt) > Date.parse(b.startedAt), { path: ['endedAt'], message: 'must be after startedAt' })
  .openapi('DeclareIncident');

export const ReconcileIncident = z
  .object({ note: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional().openapi({ description: "Why, for the incident's timeline." }) })
  .strict()
  .openapi('ReconcileIncident');
export const ResolveIncident = z.object({ publicNote: PublicNote }).strict().openapi('ResolveIncident');
/** A coupon shorter-lived than this is hardly one a buyer can use. */
const MIN_VALID_FOR_MS = 3_600_000;

export const CompensateIncident = z
  .object({
    amountOff: Money.optional().openapi({ description: 'An amount off each coupon (minor units); or percentOff.' }),
    percentOff: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
    validFor: BoundedDuration.refine((d) => !isDuration(d) || parseDuration(d) >= MIN_VALID_FOR_MS, 'must be at least 1h').openapi({ example: '30d', description: 'How long each coupon holds from its grant.' }),
    minSpend: Money.optional().openapi({ description: '满减: the list price must reach this.' }),
  })
  .strict()
  .superRefine(
    (terms, ctx) => {
      for (const problem of termsRules(terms)) ctx.addIssue({ code: 'custom', path: problem.path.split('.'), message: problem.reason });
    },
    // Also beside a field's own problem (a missing validFor), so one answer names every field to fix.
    { when: ({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value) },
  )
  .openapi('CompensateIncident');
export const Compensated = z
  .object({ coupons: z.number().int().openapi({ description: 'Coupons granted, one per affected buyer; a repeat answers the same.' }) })
  .openapi('Compensated');

export const PublicStatusQuery = z
  .object({ merchant: MerchantId.optional().openapi({ description: "One merchant's status: its incidents and the platform-wide ones; without it, the platform's (/report), which is the first shop's too" }) })
  .strict();

export const IncidentListQuery = z.object({ status: z.enum(INCIDENT_STATUSES, { error: 'must be OPEN or RESOLVED' }).optional() }).strict();

const Affected = z.object({
  orders: z.number().int().openapi({ description: 'Orders made in the window that the incident hurt (see the orders list).' }),
  buyers: z.number().int().openapi({ description: 'Distinct buyers among them.' }),
});

/** What anyone may read of an incident (the public status); the staff's view adds to it. */
const PublicIncident = z.object({
  title: z.string(),
  cause: z.enum(INCIDENT_CAUSES),
  status: z.enum(INCIDENT_STATUSES),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  publicNote: z.string(),
});

export const Incident = z
  .object({
    incidentId: z.string(),
    ...PublicIncident.shape,
    openedBy: z.string().openapi({ description: 'The ops key that declared it, or `system` when the product opened it.' }),
    openedAt: z.string(),
    merchantId: z.string().optional().openapi({ description: 'The merchant whose incident it is (declared by its ops); absent: platform-wide (declared by a platform key, or opened by the product), hurting orders of every merchant.' }),
    resolvedAt: z.string().optional(),
    compensation: z
      .object({
        terms: z.object({ amountOff: Money.optional(), percentOff: z.number().optional(), validFor: z.string(), minSpend: Money.optional() }),
        coupons: z.number().int(),
        at: z.string(),
        by: z.string(),
        validUntil: z.string(),
      })
      .optional()
      .openapi({ description: 'The coupons granted to its buyers, once (POST …/compensate).' }),
    affected: Affected,
    timeline: z.array(z.object({ at: z.string(), type: z.string(), actor: z.string(), detail: z.string().optional() })),
  })
  .openapi('Incident');
export const IncidentList = z.object({ items: z.array(Incident) }).openapi('IncidentList');

export const AffectedOrderList = z
  .object({
    affected: Affected,
    items: z.array(
      z.object({
        orderId: OrderId,
        merchantId: z.string(),
        reason: z.enum(AFFECTED_REASONS),
        status: z.enum(ORDER_STATUSES),
        sku: z.string(),
        amount: Money,
        method: z.enum(PAYMENT_METHODS),
        createdAt: z.string(),
        paidAt: z.string().optional(),
        deliveredAt: z.string().optional(),
      }),
    ),
  })
  .openapi('AffectedOrderList');

export const Reconciling = z.object({ status: z.literal('reconciling') }).openapi('Reconciling');

export const PublicStatus = z.object({ open: z.array(PublicIncident), resolved: z.array(PublicIncident) }).openapi('PublicStatus');
