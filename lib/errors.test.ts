import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types.js';
import { BadInputError, ServiceUnavailableError, toTemporalFailure } from './errors.js';

describe('errors → Temporal failures', () => {
  it('bad input becomes a typed non-retryable ApplicationFailure carrying its context', () => {
    const f = toTemporalFailure(new BadInputError('bad row', { file: 'a.csv', line: 7 }));
    expect(f).toBeInstanceOf(ApplicationFailure);
    const af = f as ApplicationFailure;
    expect(af.type).toBe('BadInputError');
    expect(af.nonRetryable).toBe(true);
    expect(af.details).toEqual([{ file: 'a.csv', line: 7 }]);
    expect(NON_RETRYABLE_FAILURE_TYPES).toContain(af.type);
  });

  it('unavailable services stay retryable', () => {
    const af = toTemporalFailure(new ServiceUnavailableError('down', { service: 'kafka' })) as ApplicationFailure;
    expect(af.nonRetryable).toBe(false);
    expect(NON_RETRYABLE_FAILURE_TYPES).not.toContain(af.type);
  });

  it('leaves foreign errors untouched', () => {
    const e = new Error('x');
    expect(toTemporalFailure(e)).toBe(e);
  });
});
