import { describe, expect, it } from 'vitest';
import {
  centsToDecimal,
  decimalToCents,
  isAmount,
  ordersDayInputProblem,
  ordersWorkflowId,
  utcDate,
} from './orders.js';

describe('orders: exact money and arguments', () => {
  it('converts decimal strings to cents and back exactly', () => {
    expect(decimalToCents('12.3')).toBe(1230n);
    expect(decimalToCents('0.05')).toBe(5n);
    expect(decimalToCents('9999999999.99')).toBe(999999999999n);
    expect(decimalToCents('7')).toBe(700n);
    for (const bad of ['', '-1.00', '1.234', '1e3', ' 1.00', '12345678901.00', '.5'])
      expect(() => decimalToCents(bad), bad).toThrow();
    expect(centsToDecimal(1230n)).toBe('12.30');
    expect(centsToDecimal(5)).toBe('0.05');
    expect(centsToDecimal('0')).toBe('0.00');
    expect(centsToDecimal(-5n)).toBe('-0.05');
    expect(centsToDecimal(123456789012345678n)).toBe('1234567890123456.78');
    expect(isAmount('1.10')).toBe(true);
    expect(isAmount(1.1)).toBe(false);
    // 0.1 + 0.2 in cents is exact, unlike floats.
    expect(centsToDecimal(decimalToCents('0.10') + decimalToCents('0.20'))).toBe('0.30');
  });

  it('checks the workflow argument and names workflows per date', () => {
    expect(ordersWorkflowId('2024-09-13')).toBe('orders-2024-09-13');
    expect(ordersDayInputProblem({ date: '2024-09-13' })).toBeUndefined();
    expect(ordersDayInputProblem({ date: '2024-09-13', settleMs: 0 })).toBeUndefined();
    expect(ordersDayInputProblem({ date: '2024-02-30' })).toMatch(/not a calendar date/);
    expect(ordersDayInputProblem({ date: '2024-09-13', settleMs: -1 })).toMatch(/settleMs/);
    expect(ordersDayInputProblem('2024-09-13')).toMatch(/expected one argument/);
    expect(ordersDayInputProblem(undefined)).toMatch(/got nothing/);
    expect(utcDate(Date.parse('2024-09-13T23:59:59.999-01:00'))).toBe('2024-09-14');
  });
});
