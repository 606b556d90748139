import type { Config } from '../config';
import { parseMerchantRails } from '../config/rails';
import { OrderMerchants } from '../db/merchants';
import type { RecentSettings } from '../db/merchantSettings';
import type { Store } from '../db/store';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import type { MerchantSettings } from '../domain/merchantSettings';
import { createRails, providerRailsOf, type Rails } from './rails';

/**
 * The rails a merchant's money moves through: its own provider accounts (its settings), and the
 * generic rail. Another merchant's accounts, or the platform's, never carry it: a merchant without
 * an Alipay account of its own has no Alipay rail. The first shop (`default`) has the platform's
 * accounts, with any rail it set in its own settings in that rail's place (as its notices are
 * verified). Settings are read through `settings` (a change holds a few seconds later); the rails
 * built from one reading are kept with it, so keys are not parsed again for every call.
 */
export class MerchantRails {
  readonly platform: Rails;
  private readonly merchants: OrderMerchants;
  private readonly built = new WeakMap<MerchantSettings, Rails>();

  constructor(
    private readonly config: Config,
    store: Store,
    readonly settings: RecentSettings,
  ) {
    this.platform = createRails(config, store);
    this.merchants = new OrderMerchants(store);
  }

  async of(merchantId: string): Promise<Rails> {
    const settings = await this.settings.of(merchantId);
    let rails = this.built.get(settings);
    if (!rails) {
      const own = providerRailsOf(parseMerchantRails(settings.rails ?? {}, this.config.rails.publicBaseUrl).rails, this.config, merchantId);
      const { generic, ...platformProviders } = this.platform;
      rails = { generic, ...(merchantId === DEFAULT_MERCHANT ? platformProviders : {}), ...own };
      this.built.set(settings, rails);
    }
    return rails;
  }

  /** The rails of the merchant whose order this is (the order's access row says, written when it was taken). */
  async ofOrder(orderId: string): Promise<Rails> {
    return this.of(await this.merchants.of(orderId));
  }
}
