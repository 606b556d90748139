import { randomBytes } from 'node:crypto';
import { ApiClient, DEV } from './http';
import { expectStatus, Shop } from './orders';

/** A platform key, beside the dev keys of the merchant `default`. */
export const PLATFORM_KEY = 'platform-key-0123456789';
export const WITH_PLATFORM = [`admin:dev-admin:${DEV.admin}`, `storefront:dev-shop:${DEV.storefront}`, `agent:dev-agent:${DEV.agent}`, `ops:dev-ops:${DEV.ops}`, `platform:the-platform:${PLATFORM_KEY}`].join(',');

/** A merchant the platform created, with a key of each role the API issued it. */
export interface Merchant {
  merchantId: string;
  keys: Record<keyof typeof DEV, string>;
  shop: Shop;
  /** The merchant's own payment notice secret (its settings' paymentWebhookSecret). */
  noticeSecret: string;
}

/**
 * The platform creates the merchant; its admin issues itself a storefront, an agent and an ops key
 * and sets its own payment notice secret (the platform's, `platformSecret`, pays none of its orders).
 */
export async function newMerchant(http: ApiClient, platformSecret: string, merchantId: string): Promise<Merchant> {
  const created = await http.as(PLATFORM_KEY).post('/v1/merchants', { merchantId, name: `Shop ${merchantId}`, contactEmail: `owner@${merchantId}.example` });
  expectStatus(created, 201, `create merchant ${merchantId}`);
  const admin = created.body.adminKey as string;
  const issue = async (role: string) => {
    const issued = await http.as(admin).post(`/v1/merchants/${merchantId}/keys`, { role, name: `${role}-1` });
    expectStatus(issued, 201, `issue a ${role} key`);
    return issued.body.secret as string;
  };
  const keys = { admin, storefront: await issue('storefront'), agent: await issue('agent'), ops: await issue('ops') };
  const noticeSecret = `${merchantId}-${randomBytes(16).toString('hex')}`;
  expectStatus(await http.as(admin).put(`/v1/merchants/${merchantId}/settings`, { paymentWebhookSecret: noticeSecret }), 200, `settings of ${merchantId}`);
  return { merchantId, keys, noticeSecret, shop: new Shop(http, noticeSecret, keys, merchantId) };
}
