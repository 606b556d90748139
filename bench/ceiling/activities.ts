/** The ceiling order's steps: they do nothing, so only the engine's own cost is measured. */
export const ceilingActivities = {
  async reserve(_orderId: string): Promise<void> {},
  async check(_orderId: string): Promise<void> {},
  async deliver(_orderId: string): Promise<void> {},
};
export type CeilingActivities = typeof ceilingActivities;
