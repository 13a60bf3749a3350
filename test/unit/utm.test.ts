import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { utmOf, withUtm, withoutUtm } from '../../src/domain/utm.js';

describe('UTM parameters in a target URL', () => {
  test('when a URL has no query, then the parameters are appended in source, medium, campaign, term, content order', () => {
    assert.equal(withUtm('https://example.com/p', { content: 'e', source: 'a', term: 'd', medium: 'b', campaign: 'c' }),
      'https://example.com/p?utm_source=a&utm_medium=b&utm_campaign=c&utm_term=d&utm_content=e');
  });

  test('when a URL has other parameters, then they keep their order and spelling, and an existing utm_source is replaced', () => {
    assert.equal(withUtm('https://example.com/?b=2&utm_source=old&a=x%20y+z&flag', { source: 'new' }),
      'https://example.com/?b=2&a=x%20y+z&flag&utm_source=new');
  });

  test('when a URL has a fragment, then it stays after the query', () => {
    assert.equal(withUtm('https://example.com/p#x', { medium: 'm' }), 'https://example.com/p?utm_medium=m#x');
    assert.equal(withUtm('https://example.com/p?q=1#x?y=2', { medium: 'm' }), 'https://example.com/p?q=1&utm_medium=m#x?y=2', 'a ? in the fragment is not the query');
  });

  test('when values hold spaces, &, =, # or non-ASCII, then they are percent-encoded and read back as given', () => {
    const utm = { campaign: 'spring & summer = 50% #1', term: 'straße' };
    const url = withUtm('https://example.com/', utm);
    assert.equal(url, 'https://example.com/?utm_campaign=spring%20%26%20summer%20%3D%2050%25%20%231&utm_term=stra%C3%9Fe');
    assert.deepEqual(utmOf(url), utm);
  });

  test('when the object leaves a key out, or is null or empty, then that parameter (or all five) is removed', () => {
    const url = 'https://example.com/?utm_source=a&utm_medium=b&keep=1&utm_term=t';
    assert.equal(withUtm(url, { medium: 'c' }), 'https://example.com/?keep=1&utm_medium=c');
    assert.equal(withUtm(url, null), 'https://example.com/?keep=1');
    assert.equal(withUtm(url, {}), 'https://example.com/?keep=1');
    assert.equal(withoutUtm('https://example.com/?utm_source=a#f'), 'https://example.com/#f', 'no bare ? is left');
  });

  test('when other utm_ parameters (utm_id) or similar names are present, then only the five are touched', () => {
    assert.equal(withUtm('https://example.com/?utm_id=7&xutm_source=1', { source: 's' }), 'https://example.com/?utm_id=7&xutm_source=1&utm_source=s');
  });

  test('when reading, then + is a space, the first of a repeated one wins, empty ones are left out, and none is null', () => {
    assert.deepEqual(utmOf('https://example.com/?utm_campaign=big+sale&utm_source=a&utm_source=b&utm_term='), { campaign: 'big sale', source: 'a' });
    assert.equal(utmOf('https://example.com/?a=1'), null);
    assert.equal(utmOf('https://example.com/#utm_source=x'), null, 'a fragment is not the query');
    assert.deepEqual(utmOf('https://example.com/?utm_source=%E0%A4%A'), { source: '%E0%A4%A' }, 'a malformed escape stays as written');
  });
});
