import { isInternalAddress, reachedAddressRefusal, urlRefusal } from '../../security/outboundAddress';

/*
 * A merchant's webhook on a platform that keeps merchants' URLs off its own network
 * (MERCHANT_WEBHOOK_ADDRESSES=public): https only, never to an internal address or name, written
 * however the URL parser understands it, nor to a name that resolves to one when it is called.
 */
describe("where a merchant's webhook may point", () => {
  it.each([
    ['127.0.0.1', true],
    ['10.20.30.40', true],
    ['172.31.255.1', true],
    ['192.168.1.9', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2001:4860:4860::8888', false],
    ['not-an-address', false],
  ])('%s is internal: %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it.each([
    ['https://hooks.example.com/kamiflow', undefined],
    ['https://203.0.113.7:8443/hook', undefined],
    ['http://hooks.example.com/kamiflow', 'must be an https URL'],
    ['https://localhost/hook', "must not point at the platform's own network (localhost)"],
    ['https://localhost./hook', "must not point at the platform's own network (localhost)"],
    ['https://metadata.internal/computeMetadata', "must not point at the platform's own network (metadata.internal)"],
    ['https://169.254.169.254/latest/meta-data', "must not point at the platform's own network (169.254.169.254)"],
    ['https://[::1]:8080/hook', "must not point at the platform's own network (::1)"],
    // The URL parser reads these as 127.0.0.1 and 10.0.0.1: so does the check.
    ['https://2130706433/hook', "must not point at the platform's own network (127.0.0.1)"],
    ['https://0x0a.0.0.1/hook', "must not point at the platform's own network (10.0.0.1)"],
    ['not a url', 'must be an http(s) URL'],
  ])('%s → %s', (url, refusal) => {
    expect(urlRefusal(url)).toBe(refusal);
  });

  it('refuses, when called, a name that resolves to an internal address, and lets a public one through', async () => {
    const resolving = (addresses: string[]) => async () => addresses.map((address) => ({ address }));
    expect(await reachedAddressRefusal('https://hooks.example.com/x', resolving(['203.0.113.7', '10.0.0.5']))).toBe("hooks.example.com resolves to 10.0.0.5, on the platform's own network");
    expect(await reachedAddressRefusal('https://hooks.example.com/x', resolving(['203.0.113.7']))).toBeUndefined();
    // What the URL says refuses before any lookup.
    expect(await reachedAddressRefusal('https://127.0.0.1/x', () => Promise.reject(new Error('not asked')))).toBe("must not point at the platform's own network (127.0.0.1)");
  });
});
