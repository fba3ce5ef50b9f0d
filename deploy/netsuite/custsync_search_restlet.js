/**
 * custsync saved-search RESTlet.
 *
 * Contract (also in restlet_contract.json, which the mock is tested against):
 *   POST {"action": "columns", "searchId": "customsearch_..."}
 *     -> {"searchId", "recordType", "columns": [{"name", "label", "join", "summary"}]}
 *   POST {"action": "results", "searchId": "customsearch_...", "page": 0, "pageSize": 1000}
 *     -> {"searchId", "columns", "page", "pageSize", "pageCount", "totalResults", "hasMore",
 *         "results": [{"id", "values": {<column name>: string | boolean | null}}]}
 *   POST {"action": "portalLinks", "customerIds": ["101", ...]}   (1..1000 ids)
 *     -> {"scriptId", "deploymentId", "links": [{"id", "url"}]}: the external URL of the portal Suitelet
 *        (custsync_portal_suitelet.js) with cid and sig = HMAC-SHA256(secret, "custsync-portal-link:" + id),
 *        hex. The secret is the API secret custsecret_custsync_portal_link: it never leaves NetSuite.
 *   Errors are thrown with error.create; NetSuite answers HTTP 400 {"error": {"code", "message"}}.
 *   Codes: INVALID_REQUEST, INVALID_ACTION, SSS_MISSING_REQD_ARGUMENT, INVALID_SEARCH,
 *          INVALID_PAGE_SIZE, INVALID_PAGE_RANGE, INVALID_CUSTOMER_ID.
 *   Script parameters: custscript_custsync_portal_script, custscript_custsync_portal_deploy (the
 *   Suitelet's script and deployment ids).
 *
 * @NApiVersion 2.1
 * @NScriptType Restlet
 * @NModuleScope SameAccount
 */
define(['N/search', 'N/error', 'N/url', 'N/crypto', 'N/encode', 'N/runtime'],
    (search, error, url, crypto, encode, runtime) => {
    const MIN_PAGE_SIZE = 5;     // runPaged limits
    const MAX_PAGE_SIZE = 1000;
    const MAX_LINK_IDS = 1000;
    const SIGNED_PREFIX = 'custsync-portal-link:';
    const SECRET_ID = 'custsecret_custsync_portal_link';
    const CUSTOMER_ID = /^[1-9][0-9]{0,9}$/;

    const fail = (name, message) => {
        throw error.create({ name: name, message: message, notifyOff: true });
    };

    const describeColumn = (column) => ({
        name: column.name,
        label: column.label || null,
        join: column.join || null,
        summary: column.summary || null,
    });

    const valueKey = (column) => (column.join ? `${column.join}.${column.name}` : column.name);

    const loadSearch = (searchId) => {
        try {
            return search.load({ id: searchId });
        } catch (e) {
            fail('INVALID_SEARCH', `That search or mass update does not exist: ${searchId}`);
        }
        return null;
    };

    const columnsOf = (loaded) => loaded.columns.map(describeColumn);

    const results = (loaded, searchId, body) => {
        const page = body.page === undefined ? 0 : body.page;
        const pageSize = body.pageSize === undefined ? MAX_PAGE_SIZE : body.pageSize;
        if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
            fail('INVALID_PAGE_SIZE', `pageSize must be an integer from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}.`);
        }
        if (!Number.isInteger(page) || page < 0) {
            fail('INVALID_PAGE_RANGE', 'page must be an integer from 0.');
        }
        const columns = loaded.columns;
        // Same criteria and columns, sorted by internal id so that pages are stable.
        const ordered = search.create({
            type: loaded.searchType,
            filters: loaded.filterExpression,
            columns: columns.concat([search.createColumn({ name: 'internalid', sort: search.Sort.ASC })]),
        });
        const paged = ordered.runPaged({ pageSize: pageSize });
        const totalResults = paged.count;
        const pageCount = paged.pageRanges.length;
        if (page >= Math.max(pageCount, 1)) {
            fail('INVALID_PAGE_RANGE', `page ${page} is out of range; the search has ${pageCount} page(s).`);
        }
        const rows = pageCount === 0 ? [] : paged.fetch({ index: page }).data;
        return {
            searchId: searchId,
            columns: columns.map(describeColumn),
            page: page,
            pageSize: pageSize,
            pageCount: pageCount,
            totalResults: totalResults,
            hasMore: page + 1 < pageCount,
            results: rows.map((row) => {
                const values = {};
                columns.forEach((column) => {
                    const value = row.getValue(column);
                    values[valueKey(column)] = value === '' || value === undefined ? null : value;
                });
                return { id: String(row.id), values: values };
            }),
        };
    };

    const sign = (customerId) => {
        const hmac = crypto.createHmac({
            algorithm: crypto.HashAlg.SHA256,
            key: crypto.createSecretKey({ secret: SECRET_ID, encoding: encode.Encoding.UTF_8 }),
        });
        hmac.update({ input: SIGNED_PREFIX + customerId, inputEncoding: encode.Encoding.UTF_8 });
        return hmac.digest({ outputEncoding: encode.Encoding.HEX }).toLowerCase();
    };

    const portalLinks = (body) => {
        const ids = body.customerIds;
        if (ids === undefined || ids === null) {
            fail('SSS_MISSING_REQD_ARGUMENT', 'Missing a required argument: customerIds');
        }
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_LINK_IDS) {
            fail('INVALID_REQUEST', `customerIds must be a list of 1 to ${MAX_LINK_IDS} internal ids.`);
        }
        ids.forEach((id) => {
            if (typeof id !== 'string' || !CUSTOMER_ID.test(id)) {
                fail('INVALID_CUSTOMER_ID', `${JSON.stringify(id).slice(0, 40)} is not a customer internal id (digits, as a string).`);
            }
        });
        const script = runtime.getCurrentScript();
        const scriptId = script.getParameter({ name: 'custscript_custsync_portal_script' });
        const deploymentId = script.getParameter({ name: 'custscript_custsync_portal_deploy' });
        return {
            scriptId: scriptId,
            deploymentId: deploymentId,
            links: ids.map((id) => ({
                id: id,
                url: url.resolveScript({
                    scriptId: scriptId,
                    deploymentId: deploymentId,
                    returnExternalUrl: true,
                    params: { cid: id, sig: sign(id) },
                }),
            })),
        };
    };

    const post = (body) => {
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
            fail('INVALID_REQUEST', 'The request body must be a JSON object.');
        }
        const action = body.action;
        if (action === 'portalLinks') {
            return portalLinks(body);
        }
        if (action !== 'columns' && action !== 'results') {
            fail('INVALID_ACTION', `Unknown action ${JSON.stringify(action)}; use "columns", "results" or "portalLinks".`);
        }
        const searchId = body.searchId;
        if (typeof searchId !== 'string' || searchId === '') {
            fail('SSS_MISSING_REQD_ARGUMENT', 'Missing a required argument: searchId');
        }
        const loaded = loadSearch(searchId);
        if (action === 'columns') {
            return { searchId: searchId, recordType: loaded.searchType, columns: columnsOf(loaded) };
        }
        return results(loaded, searchId, body);
    };

    return { post: post };
});
