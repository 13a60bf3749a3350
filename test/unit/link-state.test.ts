import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { linkState, type LinkLimits } from '../../src/domain/link-state.js';

const NOW = 1_700_000_000_000;
const limits = (over: Partial<LinkLimits> = {}): LinkLimits => ({ expiresAt: null, maxClicks: null, clicks: 0, ...over });

describe('linkState', () => {
  test('a link with no expiry and no click limit is active however often it was clicked', () => {
    assert.equal(linkState(limits({ clicks: 1_000_000 }), NOW), 'active');
  });

  test('is active before expiresAt', () => {
    assert.equal(linkState(limits({ expiresAt: NOW + 1 }), NOW), 'active');
  });

  test('is expired at exactly expiresAt', () => {
    assert.equal(linkState(limits({ expiresAt: NOW }), NOW), 'expired');
  });

  test('is expired after expiresAt', () => {
    assert.equal(linkState(limits({ expiresAt: NOW - 1 }), NOW), 'expired');
  });

  test('is active while clicks are below maxClicks', () => {
    assert.equal(linkState(limits({ maxClicks: 3, clicks: 2 }), NOW), 'active');
  });

  test('is exhausted once clicks reach maxClicks, and beyond', () => {
    assert.equal(linkState(limits({ maxClicks: 3, clicks: 3 }), NOW), 'exhausted');
    assert.equal(linkState(limits({ maxClicks: 3, clicks: 4 }), NOW), 'exhausted');
  });

  test('a maxClicks of 0 is exhausted from the start', () => {
    assert.equal(linkState(limits({ maxClicks: 0 }), NOW), 'exhausted');
  });

  test('when a link is both expired and exhausted, expiry wins', () => {
    assert.equal(linkState(limits({ expiresAt: NOW, maxClicks: 1, clicks: 1 }), NOW), 'expired');
  });

  test('an unexpired but exhausted link is exhausted', () => {
    assert.equal(linkState(limits({ expiresAt: NOW + 60_000, maxClicks: 1, clicks: 1 }), NOW), 'exhausted');
  });
});
