import { AlipayStandIn } from '../../support/rails/alipay';
import { railSuite } from '../../support/rails/suite';

describe('the alipay rail end to end', () => {
  railSuite(new AlipayStandIn());
});
