// Stand-ins for the N/ modules both custsync SuiteScripts use, shared by the two node harnesses.
// They do what the SuiteScript docs say the modules do; they are no NetSuite.
const nodeCrypto = require('crypto');
const fs = require('fs');
const path = require('path');

// Loads a SuiteScript file: its define() call gives what it returns, built from the given N/ modules and,
// for a dependency such as './custsync_link_signature', from that file beside it, loaded the same way.
const loadScript = (file, modules) => {
    let entry;
    let deps = [];
    let factory = null;
    global.define = (d, f) => { deps = d; factory = f; };
    eval(fs.readFileSync(file, 'utf8'));  // eslint-disable-line no-eval
    const [ownDeps, ownFactory] = [deps, factory];
    entry = ownFactory(...ownDeps.map((d) => (d.startsWith('./')
        ? loadScript(path.join(path.dirname(file), `${d.slice(2)}.js`), modules) : modules[d])));
    return entry;
};

const error = { create: (o) => Object.assign(new Error(o.message), { name: o.name }) };

// runtime.getCurrentScript(): the deployment's parameters (null when unset) and its remaining usage.
const runtime = (parameters, usage) => ({
    getCurrentScript: () => ({
        getParameter: ({ name }) => (parameters || {})[name] || null,
        getRemainingUsage: () => usage.left,
    }),
});

// N/crypto's HMAC with an API secret: the secret's value comes from the scenario, as NetSuite's store.
const encode = { Encoding: { UTF_8: 'UTF_8', HEX: 'HEX' } };
const crypto = (secrets) => ({
    HashAlg: { SHA256: 'SHA256' },
    createSecretKey: ({ secret }) => ({ secret: secret }),
    createHmac: ({ key }) => {
        const value = (secrets || {})[key.secret];
        if (value === undefined) {
            throw Object.assign(new Error(`no API secret ${key.secret}`), { name: 'INVALID_SECRET_KEY' });
        }
        const hmac = nodeCrypto.createHmac('sha256', value);
        return {
            update: ({ input }) => { hmac.update(input, 'utf8'); },
            digest: () => hmac.digest('hex').toUpperCase(),  // upper case: unconfirmed, the scripts lower it
        };
    },
});

// N/log: the execution log, as a list.
const log = (entries) => ({
    audit: ({ title, details }) => entries.push({ level: 'AUDIT', title: title, details: details }),
    error: ({ title, details }) => entries.push({ level: 'ERROR', title: title, details: details }),
    debug: () => {},
});

module.exports = { loadScript, error, runtime, encode, crypto, log };
