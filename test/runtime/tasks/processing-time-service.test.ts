/*
 * Tests of MailboxProcessingTimeService: timers fire through the task's mailbox (never directly),
 * with their own timestamp; cancel and shutdown stop pending timers. Time is mocked.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MailboxProcessingTimeService } from '../../../src/runtime/tasks/processing-time-service.ts';

interface Mail {
  action: () => void;
  description: string;
}

function service(): { pts: MailboxProcessingTimeService; mailbox: Mail[] } {
  const mailbox: Mail[] = [];
  const pts = new MailboxProcessingTimeService((action, description) => mailbox.push({ action, description }));
  return { pts, mailbox };
}

describe('MailboxProcessingTimeService', () => {
  it('reads the wall clock', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000 });
    const { pts } = service();
    assert.equal(pts.getCurrentProcessingTime(), 1_000);
  });

  it('puts a due timer into the mailbox instead of running it', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000 });
    const { pts, mailbox } = service();
    const fired: number[] = [];
    pts.registerTimer(1_050, (ts) => fired.push(ts));
    t.mock.timers.tick(49);
    assert.equal(mailbox.length, 0);
    t.mock.timers.tick(1);
    assert.equal(mailbox.length, 1);
    assert.deepEqual(fired, [], 'the callback runs only when the mailbox runs the mail');
    assert.match(mailbox[0]!.description, /processing-time timer @ 1050/);
    mailbox[0]!.action();
    assert.deepEqual(fired, [1_050], 'the callback gets the timer timestamp');
  });

  it('arms a timer again when it fires before its timestamp has passed on the wall clock', (t) => {
    // Only setTimeout is mocked: the timer "fires" at once while Date.now() is still before it.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pts, mailbox } = service();
    pts.registerTimer(Date.now() + 60_000, () => {});
    t.mock.timers.tick(60_000);
    assert.equal(mailbox.length, 0, 'not delivered before its timestamp');
    pts.shutdown();
  });

  it('fires a timer registered in the past right away (through the mailbox)', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5_000 });
    const { pts, mailbox } = service();
    const fired: number[] = [];
    pts.registerTimer(10, (ts) => fired.push(ts));
    t.mock.timers.tick(0);
    assert.equal(mailbox.length, 1);
    mailbox[0]!.action();
    assert.deepEqual(fired, [10]);
  });

  it('fires timers in time order', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { pts, mailbox } = service();
    const fired: number[] = [];
    for (const ts of [30, 10, 20]) pts.registerTimer(ts, (x) => fired.push(x));
    t.mock.timers.tick(30);
    for (const m of mailbox) m.action();
    assert.deepEqual(fired, [10, 20, 30]);
  });

  it('a cancelled timer never reaches the mailbox', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { pts, mailbox } = service();
    const timer = pts.registerTimer(100, () => assert.fail('cancelled timer fired'));
    pts.registerTimer(100, () => {});
    timer.cancel();
    timer.cancel();
    t.mock.timers.tick(200);
    assert.equal(mailbox.length, 1);
  });

  it('shutdown cancels pending timers and ignores new ones', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    const { pts, mailbox } = service();
    pts.registerTimer(100, () => assert.fail('timer fired after shutdown'));
    pts.shutdown();
    const late = pts.registerTimer(50, () => assert.fail('timer registered after shutdown fired'));
    late.cancel();
    t.mock.timers.tick(1_000);
    assert.equal(mailbox.length, 0);
  });

  it('after shutdown a timer that is already due does not enter the mailbox', async () => {
    const { pts, mailbox } = service();
    pts.registerTimer(Date.now(), () => {});
    pts.shutdown();
    await new Promise<void>((r) => setTimeout(r, 5));
    assert.equal(mailbox.length, 0);
  });
});
