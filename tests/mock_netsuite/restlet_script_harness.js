// Runs deploy/netsuite/FileCabinet/SuiteScripts/custsync/custsync_search_restlet.js's post() under stand-ins for the N/ modules.
// stdin: {"scenario": {...}, "body": {...}}; stdout: {"status", "body"} as NetSuite would answer.
// The stand-ins do what the SuiteScript docs say the modules do; they are no NetSuite.
const fs = require('fs');
const path = require('path');
const standins = require('./suitescript_standins');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const sc = input.scenario;
const usage = { left: sc.usage === undefined ? 5000 : sc.usage };
const written = [];

// url.resolveScript with returnExternalUrl: the deployment's external URL with the params appended.
const url = {
    resolveScript: ({ scriptId, deploymentId, returnExternalUrl, params }) => {
        if (!scriptId || !deploymentId || typeof scriptId !== 'string' || typeof deploymentId !== 'string') {
            throw Object.assign(new Error('Missing a required argument: scriptId'), { name: 'SSS_MISSING_REQD_ARGUMENT' });
        }
        const host = returnExternalUrl ? 'https://1234567-sb1.extforms.netsuite.com' : '';
        const query = new URLSearchParams(Object.assign({ script: scriptId, deploy: deploymentId, compid: '1234567_SB1' },
            params || {}));
        return `${host}/app/site/hosting/scriptlet.nl?${query}`;
    },
};
const record = {
    Type: { CUSTOMER: 'customer' },
    submitFields: (o) => {
        usage.left -= 5;  // record.submitFields on a non-transaction record
        const fail = (sc.failures || {})[o.id];
        if (fail) {
            throw Object.assign(new Error(fail.message), { name: fail.code });
        }
        written.push({ id: o.id, values: o.values });
        return Number(o.id);
    },
};
const keyOf = (c) => (c.join ? `${c.join}.${c.name}` : c.name);
const search = {
    Type: { CUSTOMER: 'customer' },
    Sort: { ASC: 'ASC' },
    createColumn: (o) => Object.assign({}, o),
    load: ({ id }) => {
        const s = (sc.searches || {})[id];
        if (!s) {
            throw Object.assign(new Error('no search'), { name: 'INVALID_SEARCH' });
        }
        return { searchType: 'customer', filterExpression: s.filters || [], columns: s.columns };
    },
    create: (o) => ({
        run: () => ({
            getRange: () => {
                if (o.columns.some((c) => !(sc.knownFields || []).includes(c.name))) {
                    throw Object.assign(new Error('An nlobjSearchColumn contains an invalid column'), { name: 'SSS_INVALID_SRCH_COL' });
                }
                return [];
            },
        }),
        runPaged: ({ pageSize }) => {
            if (o.columns.some((c) => !c.formula && c.name !== 'internalid' && !(sc.knownFields || []).includes(c.name))) {
                throw Object.assign(new Error('An nlobjSearchColumn contains an invalid column'), { name: 'SSS_INVALID_SRCH_COL' });
            }
            global.lastFilters = o.filters;
            const rows = sc.rows || [];
            const ranges = [];
            for (let i = 0; i < rows.length; i += pageSize) ranges.push({ index: ranges.length });
            return {
                count: rows.length,
                pageRanges: ranges,
                fetch: ({ index }) => ({
                    data: rows.slice(index * pageSize, (index + 1) * pageSize).map((r) => ({
                        id: Number(r.id),
                        getValue: (c) => (c.formula ? r.lastModified : (r.values[keyOf(c)] || {}).value),
                        getText: (c) => (c.formula ? null : (r.values[keyOf(c)] || {}).text || null),
                    })),
                }),
            };
        },
    }),
};
const modules = { 'N/search': search, 'N/error': standins.error, 'N/url': url, 'N/crypto': standins.crypto(sc.secrets),
    'N/encode': standins.encode, 'N/runtime': standins.runtime(sc.parameters, usage), 'N/record': record };

const entry = standins.loadScript(path.join(__dirname,
    '../../deploy/netsuite/FileCabinet/SuiteScripts/custsync/custsync_search_restlet.js'), modules);
let out;
try {
    out = { status: 200, body: entry.post(input.body) };
} catch (e) {
    out = { status: 400, body: { error: { code: e.name, message: e.message } } };
}
out.written = written;
out.filters = global.lastFilters || null;
process.stdout.write(JSON.stringify(out));
