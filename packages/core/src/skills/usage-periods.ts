export const usagePeriods = ['hour', 'day', 'week', 'month'] as const;

export type UsagePeriod = (typeof usagePeriods)[number];
