import { apiPorts, deploymentOf, processName } from '../../scripts/deployment';

/** `--apis N --workers M`, as npm start, the bench and the soak read them. */
describe('the deployment flags', () => {
  it('takes 1 to 16 of each, one of each by default', () => {
    expect(deploymentOf({})).toEqual({ apis: 1, workers: 1 });
    expect(deploymentOf({ apis: '2', workers: '16' })).toEqual({ apis: 2, workers: 16 });
    expect(deploymentOf({ workers: '3' }, { apis: 2, workers: 2 })).toEqual({ apis: 2, workers: 3 });
  });

  it.each([
    [{ apis: '0' }, '--apis must be a whole number from 1 to 16, got "0"'],
    [{ apis: '17' }, '--apis must be a whole number from 1 to 16, got "17"'],
    [{ workers: 'two' }, '--workers must be a whole number from 1 to 16, got "two"'],
    [{ workers: '1.5' }, '--workers must be a whole number from 1 to 16, got "1.5"'],
    [{ workers: '-1' }, '--workers must be a whole number from 1 to 16, got "-1"'],
    [{ apis: '' }, '--apis must be a whole number from 1 to 16, got ""'],
  ])('refuses %j, naming the flag and the value', (values, message) => {
    expect(() => deploymentOf(values)).toThrow(message);
  });

  it('puts the APIs on PORT, PORT + 1, … and names the processes', () => {
    expect(apiPorts(3000, 3)).toEqual([3000, 3001, 3002]);
    expect(apiPorts(0, 2)).toEqual([0, 0]);
    expect(() => apiPorts(65535, 2)).toThrow('--apis 2 from PORT 65535 would need ports up to 65536; the last port is 65535');
    expect([0, 1, 2].map((i) => processName('api', i))).toEqual(['api', 'api-2', 'api-3']);
    expect(processName('worker', 1)).toBe('worker-2');
  });
});
