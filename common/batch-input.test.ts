import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  backfillInputProblem,
  batchDayInputProblem,
  rejectWorkflowInput,
  scheduledInputProblem,
  validateFilesInputProblem,
} from './batch-input.js';

describe('batch workflow arguments', () => {
  it.each([
    [undefined, /^expected one argument \{"date"/],
    ['2031-03-04', /^expected one argument/],
    [{}, /^date must be a date string YYYY-MM-DD \(got nothing\)/],
    [{ date: 20310304 }, /got 20310304/],
    [{ date: '2031-02-30' }, /^date "2031-02-30" is not a calendar date/],
    [{ date: '2031-3-4' }, /is not a calendar date/],
    [{ date: '2031-03-04', format: 'xml' }, /^format must be "csv" or "combined"/],
    [{ date: '2031-03-04', rejectThreshold: 5 }, /^rejectThreshold must be a number from 0 to 1 \(got 5\)/],
    [{ date: '2031-03-04', rejectThreshold: '0.1' }, /^rejectThreshold must be a number/],
    [{ date: '2031-03-04', landingDir: '' }, /^landingDir must be a directory path/],
  ])('batchDay %j → %s', (input, message) => {
    expect(batchDayInputProblem(input)).toMatch(message);
  });

  it('accepts good arguments', () => {
    expect(
      batchDayInputProblem({ date: '2032-02-29', format: 'combined', rejectThreshold: 0, landingDir: '/data/landing' }),
    ).toBeUndefined();
    expect(backfillInputProblem({ from: '2031-04-01', to: '2031-04-03', parallel: 2 })).toBeUndefined();
    expect(scheduledInputProblem({ timezone: 'Europe/Paris', lookbackDays: 3 })).toBeUndefined();
  });

  it.each([
    [{ from: '2031-04-01', to: '2031-04-31', parallel: 1 }, /^to "2031-04-31" is not a calendar date/],
    [{ from: '2031-04-03', to: '2031-04-01', parallel: 1 }, /^to \(2031-04-01\) is before from \(2031-04-03\)/],
    [{ from: '2031-04-01', to: '2031-04-03', parallel: 0 }, /^parallel must be a positive integer \(got 0\)/],
    [{ from: '2031-04-01', to: '2031-04-03' }, /^parallel must be a positive integer \(got nothing\)/],
  ])('batchBackfill %j → %s', (input, message) => {
    expect(backfillInputProblem(input)).toMatch(message);
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, /^timezone must be an IANA time zone/],
    [{ timezone: 'UTC', lookbackDays: -1 }, /^lookbackDays must be an integer from 0 to 366/],
  ])('scheduledBatch %j → %s', (input, message) => {
    expect(scheduledInputProblem(input)).toMatch(message);
  });

  it.each([
    [{ date: '2031-03-04' }, /^files must be the list of landed files \(got nothing\)/],
    [{ date: '2031-02-31', files: [] }, /^date "2031-02-31" is not a calendar date/],
  ])('validateFiles %j → %s', (input, message) => {
    expect(validateFilesInputProblem(input)).toMatch(message);
  });

  it('a problem fails the workflow with a non-retryable BadInputError naming it', () => {
    expect(() => rejectWorkflowInput('someWorkflow', undefined)).not.toThrow();
    const err = (() => {
      try {
        rejectWorkflowInput('someWorkflow', 'date "x" is not a calendar date YYYY-MM-DD');
      } catch (e) {
        return e;
      }
    })() as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'BadInputError',
      nonRetryable: true,
      message: 'someWorkflow: date "x" is not a calendar date YYYY-MM-DD',
    });
  });
});
