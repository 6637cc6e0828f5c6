// Drives Apify's official JavaScript client against the Forge relay (tests/official_client.rs).
// Prints one JSON line per operation: {"op", "ok", "status", "type", "detail"}.
// Env: FORGE_API (the relay's /api/apify base), FORGE_SEALED (a sealed forge1.… value),
//      FORGE_ACTOR (an Actor id or username~name of the simulated account).
import { ApifyClient } from 'apify-client';

const client = new ApifyClient({
    baseUrl: process.env.FORGE_API,
    token: process.env.FORGE_SEALED,
    maxRetries: 0,
    timeoutSecs: 20,
});
const actorId = process.env.FORGE_ACTOR;

async function op(name, fn) {
    try {
        const detail = await fn();
        console.log(JSON.stringify({ op: name, ok: true, detail }));
        return detail;
    } catch (e) {
        console.log(JSON.stringify({ op: name, ok: false, status: e.statusCode ?? null, type: e.type ?? null, detail: String(e.message).slice(0, 300) }));
        return null;
    }
}

// What Forge needs: all must succeed.
const actors = await op('list-actors', async () => (await client.actors().list({ my: true, limit: 50 })).items.length);
const actor = await op('get-actor', async () => (await client.actor(actorId).get()).name);
const runs = await op('list-runs', async () => (await client.actor(actorId).runs().list({ limit: 5, desc: true })).items);
await op('list-builds', async () => (await client.actor(actorId).builds().list({ limit: 5 })).items.length);
const run = await op('get-run', async () => {
    const r = await client.run(runs[0].id).get();
    return { id: r.id, status: r.status, defaultDatasetId: r.defaultDatasetId, defaultKeyValueStoreId: r.defaultKeyValueStoreId, buildId: r.buildId };
});
await op('get-build', async () => (await client.build(run.buildId).get()).status);
await op('list-all-runs', async () => (await client.runs().list({ limit: 3 })).items.length);
await op('get-dataset', async () => (await client.dataset(run.defaultDatasetId).get()).itemCount);
await op('list-stores', async () => (await client.keyValueStores().list({ limit: 10 })).items.length);
await op('list-keys', async () => (await client.keyValueStore(run.defaultKeyValueStoreId).listKeys()).items.map((k) => k.key));
await op('get-record-signals', async () => (await client.keyValueStore(run.defaultKeyValueStoreId).getRecord('SIGNALS'))?.key ?? 'none');
await op('get-or-create-forge-trends', async () => (await client.keyValueStores().getOrCreate('forge-trends')).name);
await op('put-record-forge-trends', async () => {
    await client.keyValueStore('~forge-trends').setRecord({ key: 'contract-check', value: { from: 'apify-client' } });
    return 'stored';
});
// Large enough (≥ 1 KiB) that the client brotli-compresses it: Content-Encoding passes through.
await op('put-large-record-forge-trends', async () => {
    await client.keyValueStore('~forge-trends').setRecord({ key: 'contract-large', value: { rows: Array.from({ length: 200 }, (_, i) => ({ i, name: `row-${i}` })) } });
    return 'stored';
});
await op('start-run', async () => (await client.actor(actorId).start({ contract: true }, { memory: 256 })).status);
// call() starts a run and waits for it with GET actor-runs/{id}?waitForFinish=…; so does
// waitForFinish(). Run logs are not forwarded (they hold whatever an Actor prints), so call()
// runs with `log: null` instead of streaming the log to the console.
await op('call-and-wait', async () => (await client.actor(actorId).call({ contract: 'call' }, { memory: 256, waitSecs: 30, log: null })).status);
await op('wait-for-finish', async () => {
    const started = await client.actor(actorId).start({ contract: 'wait' }, { memory: 256 });
    return (await client.run(started.id).waitForFinish({ waitSecs: 30 })).status;
});

// Outside the five scopes: each must fail with 403 forge-not-allowed.
await op('x-delete-dataset', async () => client.dataset(run.defaultDatasetId).delete());
await op('x-list-webhooks', async () => (await client.webhooks().list()).items.length);
await op('x-start-run-with-webhooks', async () => (await client.actor(actorId).start({}, {
    webhooks: [{ eventTypes: ['ACTOR.RUN.SUCCEEDED'], requestUrl: 'https://collector.invalid/hook' }],
})).id);
await op('x-list-dataset-items', async () => (await client.dataset(run.defaultDatasetId).listItems()).items.length);
await op('x-put-record-other-store', async () => client.keyValueStore(run.defaultKeyValueStoreId).setRecord({ key: 'x', value: 1 }));
await op('x-users-me', async () => (await client.user('me').get()).username);
await op('x-get-input-record', async () => (await client.keyValueStore(run.defaultKeyValueStoreId).getRecord('INPUT'))?.key);
await op('x-get-output-record', async () => (await client.keyValueStore(run.defaultKeyValueStoreId).getRecord('OUTPUT'))?.key);
