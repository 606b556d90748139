import { WechatPayStandIn } from '../../support/rails/wechatpay';
import { railSuite } from '../../support/rails/suite';

describe('the wechatpay rail end to end', () => {
  railSuite(new WechatPayStandIn());
});
