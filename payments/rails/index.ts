import type { Config } from '../../config';
import type { RailsConfig } from '../../config/rails';
import type { Store } from '../../db/store';
import type { PaymentMethod } from '../../domain/payment';
import { alipayRail } from './alipay';
import { epayRail } from './epay';
import { genericRail } from './generic';
import type { PaymentRail, ProviderRail } from './rail';
import { stripeRail } from './stripe';
import { wechatpayRail } from './wechatpay';

export type { CheckoutOrder, FoundPayment, NoticeOutcome, NoticeReply, NoticeRequest, PaymentRail, ProviderRail, RailRefund } from './rail';

export interface Rails {
  generic: PaymentRail;
  alipay?: ReturnType<typeof alipayRail>;
  wechatpay?: ReturnType<typeof wechatpayRail>;
  stripe?: ReturnType<typeof stripeRail>;
  epay?: ReturnType<typeof epayRail>;
}

/** The rails this shop has on: generic always, a provider's when its settings are present. */
export function createRails(config: Config, store: Store): Rails {
  return { generic: genericRail(config, store), ...providerRailsOf(config.rails, config) };
}

/**
 * The provider rails of one merchant's own accounts (its settings, parsed by config/rails.ts
 * parseMerchantRails). With `merchantId`, the provider is told to notify that merchant's own address
 * (`/v1/rails/:rail/notify/:merchantId`), where its notices are verified with these accounts.
 */
export function providerRailsOf(accounts: RailsConfig, config: Config, merchantId?: string): Omit<Rails, 'generic'> {
  const { alipay, wechatpay, stripe, epay } = accounts;
  const notifyUrl = (method: string) => (merchantId === undefined ? undefined : `${config.rails.publicBaseUrl}/v1/rails/${method}/notify/${merchantId}`);
  return {
    ...(alipay ? { alipay: alipayRail(alipay, config, notifyUrl('alipay')) } : {}),
    ...(wechatpay ? { wechatpay: wechatpayRail(wechatpay, config, notifyUrl('wechatpay')) } : {}),
    ...(stripe ? { stripe: stripeRail(stripe, config) } : {}),
    ...(epay ? { epay: epayRail(epay, config, notifyUrl('epay')) } : {}),
  };
}

/**
 * The rail of an order or a payment. One that was on when the order was made but is off now cannot
 * be served: that is a configuration fault, retried until the rail is back, never a silent switch.
 */
export function railOf(rails: Rails, method: PaymentMethod | undefined): PaymentRail {
  const rail = rails[method ?? 'generic'];
  if (!rail) throw new RailOffError(method as PaymentMethod);
  return rail;
}

export function providerRail(rails: Rails, method: Exclude<PaymentMethod, 'generic'>): ProviderRail | undefined {
  return rails[method];
}

export class RailOffError extends Error {
  constructor(readonly method: PaymentMethod) {
    super(`the ${method} rail is not configured on this process`);
    this.name = 'RailOffError';
  }
}
