// Jest snapshot serializer: asset hashes change with every dependency bump, so they are masked.
const ASSET_HASH = /[a-f0-9]{64}/g;

module.exports = {
  test: (value: unknown) => typeof value === 'string' && ASSET_HASH.test(value) && (ASSET_HASH.lastIndex = 0) === 0,
  serialize: (value: string) => JSON.stringify(value.replace(ASSET_HASH, '[ASSET HASH]')),
};
