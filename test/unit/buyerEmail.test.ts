import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { instructionsFor, messageIdOf, orderPageUrl, renderBuyerEmail, type EmailFacts } from '../../domain/buyerEmail';

const facts: EmailFacts = { orderId: 'ord1', sku: 'steam', productName: 'Steam <b>100</b>', quantity: 1 };

describe('buyer emails (pure)', () => {
  it('gives the instructions in the buyer\'s language, else the other one', () => {
    expect(instructionsFor({ zh: '中', en: 'en' }, 'en')).toBe('en');
    expect(instructionsFor({ zh: '中', en: 'en' }, 'zh-CN')).toBe('中');
    expect(instructionsFor({ zh: '中' }, 'en')).toBe('中');
    expect(instructionsFor({ en: 'en' }, 'zh-CN')).toBe('en');
    expect(instructionsFor({}, 'en')).toBeUndefined();
    expect(instructionsFor(undefined, 'zh-CN')).toBeUndefined();
  });

  it('makes one valid Message-ID per event, whatever the event id holds', () => {
    expect(messageIdOf('c1.3.resolved', 'no-reply@shop.example')).toBe('<c1.3.resolved.buyer-email@shop.example>');
    expect(messageIdOf('a b<c>@d', 'x@y.z')).toBe('<a_b_c__d.buyer-email@y.z>');
    expect(messageIdOf('e1', 'x@y.z')).toBe(messageIdOf('e1', 'x@y.z'));
  });

  it('escapes what it puts in the HTML, and carries the same words in the text', () => {
    const mail = renderBuyerEmail('keys_delivered', 'en', { ...facts, codes: ['AB<C>-1'], instructions: 'Use "it" & <script>x</script>', link: orderPageUrl('https://s.example', 'o/1') });
    expect(mail.html).toContain('AB&lt;C&gt;-1');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('href="https://s.example/orders/o%2F1"');
    expect(mail.text).toContain('AB<C>-1');
    expect(mail.text).toContain('https://s.example/orders/o%2F1');
    expect(mail.subject).toBe('Your keys for Steam <b>100</b>');
  });

  it('refuses to write an email without what it is about', () => {
    expect(() => renderBuyerEmail('keys_delivered', 'en', facts)).toThrow('needs the codes');
    expect(() => renderBuyerEmail('complaint_resolved', 'zh-CN', facts)).toThrow('needs its complaint');
    expect(renderBuyerEmail('complaint_resolved', 'zh-CN', { ...facts, complaint: { complaintId: 'c', category: 'key_invalid', resolution: 'replaced' } }).text).toContain('已为您更换新的卡密');
    expect(orderPageUrl(undefined, 'o')).toBeUndefined();
  });
});

describe('email configuration', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'kamiflow-email-'));
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ DATA_DIR: dir(), ...env });
    } catch (err) {
      return (err as ConfigError).problems;
    }
    return [];
  };

  it('sends no email without SMTP_URL, and takes a sender with or without a name', () => {
    const off = loadConfig({ DATA_DIR: dir() });
    expect(off.email).toEqual({ from: 'kamiflow <no-reply@kamiflow.localhost>' });
    expect(off.emailBuyer).toBe(false);
    expect(off.complaint.emailBuyer).toBe(false);
    expect(off.complaint.autoRecheckWaitMs).toBe(30_000);
    const on = loadConfig({ DATA_DIR: dir(), SMTP_URL: 'smtps://shop:pa55@mail.example:465', EMAIL_FROM: 'orders@shop.example', AUTO_RECHECK_WAIT: '5s' });
    expect(on.email).toEqual({ smtpUrl: 'smtps://shop:pa55@mail.example:465', from: 'orders@shop.example' });
    expect(on.emailBuyer).toBe(true);
    expect(on.complaint).toMatchObject({ emailBuyer: true, autoRecheckWaitMs: 5_000 });
    // The SMTP password never shows in a dump of the config.
    expect(JSON.stringify(on)).not.toContain('pa55');
  });

  it('names a bad SMTP_URL, EMAIL_FROM or AUTO_RECHECK_WAIT', () => {
    expect(problems({ SMTP_URL: 'http://mail.example' })).toEqual([expect.stringMatching(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/)]);
    expect(problems({ EMAIL_FROM: 'not an address' })).toEqual([expect.stringMatching(/^EMAIL_FROM: must be an email address/)]);
    expect(problems({ AUTO_RECHECK_WAIT: 'soon' })).toEqual([expect.stringMatching(/^AUTO_RECHECK_WAIT: must be a duration/)]);
  });
});
