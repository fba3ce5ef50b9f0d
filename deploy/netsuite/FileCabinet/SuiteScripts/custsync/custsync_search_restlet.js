/**
 * custsync saved-search RESTlet.
 *
 * Contract (also in restlet_contract.json, which the mock is tested against):
 *   POST {"action": "columns", "searchId": "customsearch_..."}
 *     -> {"searchId", "recordType", "columns": [{"name", "label", "join", "summary"}]}
 *   POST {"action": "results", "searchId": "customsearch_...", "page": 0, "pageSize": 1000}
 *     -> {"searchId", "columns", "page", "pageSize", "pageCount", "totalResults", "hasMore",
 *         "results": [{"id", "values": {<column name>: string | boolean | null}}]}
 *   POST {"action": "customers", "searchId": "customsearch_paypack_mass_customer_sync",
 *         "columnsFrom": "customsearch_paypack_customer_sync", "fields": ["custentity_...", "email"],
 *         "page": 0, "pageSize": 1000, "modifiedAfter": "2026-11-27T05:00:00Z" (optional),
 *         "idRanges": [[1100, 1102], [2100, null]] (optional)}
 *     -> {"searchId", "columnsFrom", "columns": [columnsFrom's columns], "fields", "page", "pageSize",
 *         "pageCount", "totalResults", "hasMore", "signingKeyId" (as "signingKey" gives it),
 *         "results": [{"id", "lastModifiedDate": "<ISO 8601 UTC>", "values": {<column or field>: value}}]}
 *     The customers searchId's criteria choose (and, with modifiedAfter, whose lastmodifieddate is
 *     strictly later), sorted by internal id, with the values of columnsFrom's columns (the mapping
 *     search, R9) plus `fields`, as the record read maps them: text as a string, a checkbox as a
 *     boolean, a select/reference field as its display text (getText), blank as null. billaddress1,
 *     billaddress2, billcity, billstate, billzipcode, billcountry are the customer search's own
 *     columns for the default billing address (no join needed); billstate is read as its value (the
 *     state as stored on the address), billcountry as its value, the ISO code ("US"), as the
 *     record's country id (Stripe's address.country is that code).
 *     idRanges keeps only customers whose internal id lies strictly between the two ids of one of its
 *     pairs (null: no upper bound), at most 1000 pairs, and is echoed in the answer: the caller reads the
 *     pages concurrently, as offsets into a search that may change meanwhile, and asks once more for
 *     what lies between the pages it got.
 *     Errors as "results", plus INVALID_FIELD (a `fields` entry that is not a customer field),
 *     INVALID_DATE (modifiedAfter is not an ISO 8601 date and time with a time zone) and INVALID_REQUEST
 *     (idRanges is not a list of such pairs).
 *   POST {"action": "writeBack", "updates": [{"id": "101", "values": {"<field>": "value"}}, ...]}  (1..500)
 *     -> {"results": [{"id", "ok": true} | {"id", "ok": false, "error": {"code", "message"}}],
 *         "unprocessed": ["105", ...], "remainingUsage": n}
 *     record.submitFields per customer (R5): only the fields named in the script parameter
 *     custscript_custsync_writeback_fields (comma-separated) may be written; any other field fails
 *     that record with FIELD_NOT_ALLOWED and nothing of it is written. A record's own error
 *     (RCRD_DSNT_EXIST, INVALID_FLD_VALUE, RCRD_HAS_BEEN_CHANGED, ...) is reported for its id and the
 *     batch goes on. submitFields costs 5 units on a customer (non-transaction record) of a RESTlet's
 *     5,000; the script stops before its remaining usage would fall below USAGE_RESERVE and lists the
 *     ids it did not reach in "unprocessed", in order: send them again.
 *   POST {"action": "portalLinks", "customerIds": ["101", ...]}   (1..1000 ids)
 *     -> {"scriptId", "deploymentId", "links": [{"id", "url"}]}: the external URL of the portal Suitelet
 *        (custsync_portal_suitelet.js) with cid and sig = HMAC-SHA256(secret, "custsync-portal-link:" + id),
 *        hex. The secret is the API secret custsecret_custsync_portal_link: it never leaves NetSuite.
 *   POST {"action": "signingKey"}
 *     -> {"signingKeyId": "<16 hex>"}: names the secret in force without revealing it, the first 16 hex
 *        digits of HMAC-SHA256(secret, "custsync-signing-key-id"); null when the secret cannot be read.
 *        Every "customers" answer carries it too, so a scheduled sync learns that the secret was rotated
 *        (every stored link is stale) without another call.
 *   Errors are thrown with error.create; NetSuite answers HTTP 400 {"error": {"code", "message"}}.
 *   Codes: INVALID_REQUEST, INVALID_ACTION, SSS_MISSING_REQD_ARGUMENT, INVALID_SEARCH,
 *          INVALID_PAGE_SIZE, INVALID_PAGE_RANGE, INVALID_CUSTOMER_ID, INVALID_FIELD, INVALID_DATE,
 *          PORTAL_NOT_CONFIGURED (portalLinks while the two portal parameters below are empty).
 *   Script parameters (Objects/customscript_custsync_search.xml sets them): custscript_custsync_portal_script,
 *   custscript_custsync_portal_deploy (the Suitelet's script and deployment ids);
 *   custscript_custsync_writeback_fields (the fields writeBack may write: the PayPack Stripe customer id
 *   and portal link fields).
 *
 * @NApiVersion 2.1
 * @NScriptType Restlet
 * @NModuleScope SameAccount
 */
define(['N/search', 'N/error', 'N/url', 'N/runtime', 'N/record', './custsync_link_signature'],
    /**
     * @param {typeof import('N/search')} search
     * @param {typeof import('N/error')} error
     * @param {typeof import('N/url')} url
     * @param {typeof import('N/runtime')} runtime
     * @param {typeof import('N/record')} record
     * @param {{sign: (customerId: string) => string, signingKeyId: () => string | null}} linkSignature
     */
    (search, error, url, runtime, record, linkSignature) => {
    const MIN_PAGE_SIZE = 5;     // runPaged limits
    const MAX_PAGE_SIZE = 1000;
    const MAX_LINK_IDS = 1000;
    const CUSTOMER_ID = /^[1-9][0-9]{0,9}$/;
    const MAX_UPDATES = 500;           // 2,500 units of submitFields: half the budget, a margin for slow saves
    const SUBMIT_FIELDS_UNITS = 5;     // record.submitFields on a non-transaction record
    const USAGE_RESERVE = 20;
    const WRITEBACK_FIELDS = 'custscript_custsync_writeback_fields';
    const PORTAL_SCRIPT = 'custscript_custsync_portal_script';
    const PORTAL_DEPLOY = 'custscript_custsync_portal_deploy';
    const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
    // Read as the value, not the text: the record keeps the state as typed on the address, and the
    // country's value is its ISO code, which Stripe's address.country holds.
    const VALUE_ONLY = ['billstate', 'billcountry'];

    /** @param {string} name @param {string} message @returns {never} */
    function fail(name, message) {
        throw error.create({ name: name, message: message, notifyOff: true });
    }

    /** A script parameter of the deployment as trimmed text; '' when it is unset. @param {string} name */
    const textParameter = (name) => {
        const value = runtime.getCurrentScript().getParameter({ name: name });
        return typeof value === 'string' ? value.trim() : '';
    };

    /** The name of a thrown NetSuite error (error.SuiteScriptError), or '' for anything else. @param {unknown} e */
    const errorName = (e) => (e && typeof e === 'object' && 'name' in e ? String(e.name) : '');

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
            return fail('INVALID_SEARCH', `That search or mass update does not exist: ${searchId}`);
        }
    };

    const columnsOf = (loaded) => loaded.columns.map(describeColumn);

    const results = (loaded, searchId, body) => {
        const { page, pageSize } = pageArgs(body);
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

    const pageArgs = (body) => {
        const page = body.page === undefined ? 0 : body.page;
        const pageSize = body.pageSize === undefined ? MAX_PAGE_SIZE : body.pageSize;
        if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
            fail('INVALID_PAGE_SIZE', `pageSize must be an integer from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}.`);
        }
        if (!Number.isInteger(page) || page < 0) {
            fail('INVALID_PAGE_RANGE', 'page must be an integer from 0.');
        }
        return { page: page, pageSize: pageSize };
    };

    const requiredString = (body, key) => {
        const value = body[key];
        if (typeof value !== 'string' || value === '') {
            fail('SSS_MISSING_REQD_ARGUMENT', `Missing a required argument: ${key}`);
        }
        return value;
    };

    // What the record read gives: a select's display text, a checkbox as a boolean, blank as null.
    const displayValue = (row, column) => {
        const value = row.getValue(column);
        if (typeof value === 'boolean') {
            return value;  // a checkbox (Result.getValue: "boolean if the column is a box field")
        }
        if (VALUE_ONLY.indexOf(column.name) < 0 && !column.formula) {
            const text = row.getText(column);  // select fields only; null for the others
            if (typeof text === 'string' && text !== '') {
                return text;
            }
        }
        if (value === '' || value === undefined || value === null) {
            return null;
        }
        return typeof value === 'number' ? String(value) : value;  // text, as the record's refName/id
    };

    // Unconfirmed: a formula runs in the session's time zone (the script user's); the UTC instant
    // is taken with SYS_EXTRACT_UTC so the contract's ISO UTC string holds whatever that zone is.
    const UTC_MODIFIED = 'TO_CHAR(SYS_EXTRACT_UTC(FROM_TZ(CAST({lastmodifieddate} AS TIMESTAMP), SESSIONTIMEZONE)), '
        + '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\')';

    const modifiedFilter = (iso) => {
        // Search date filters compare at minutes in the user's format; a formula compares to the second,
        // as `after` means here: strictly later than the instant given.
        const utc = new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
        return [`formulanumeric: CASE WHEN SYS_EXTRACT_UTC(FROM_TZ(CAST({lastmodifieddate} AS TIMESTAMP), SESSIONTIMEZONE)) `
            + `> TO_TIMESTAMP('${utc}', 'YYYY-MM-DD HH24:MI:SS') THEN 1 ELSE 0 END`, 'equalto', 1];
    };

    // Ours: a mass read of 1,000,000 customers in pages of 1,000 needs 1,000 pairs. Unconfirmed that
    // NetSuite runs a filter expression of 2,000 terms; one of 100 (100,000 customers) is usual.
    const MAX_ID_RANGES = 1000;
    const isIdBound = (value) => Number.isInteger(value) && value >= 0;

    const idRangesOf = (body) => {
        const ranges = body.idRanges;
        if (ranges === undefined || ranges === null) {
            return null;
        }
        if (!Array.isArray(ranges) || ranges.length === 0 || ranges.length > MAX_ID_RANGES
            || ranges.some((r) => !Array.isArray(r) || r.length !== 2 || !isIdBound(r[0])
                || !(r[1] === null || (isIdBound(r[1]) && r[1] > r[0])))) {
            fail('INVALID_REQUEST', `idRanges must be a list of 1 to ${MAX_ID_RANGES} [after, before] pairs of `
                + 'internal ids, before greater than after or null (no upper bound).');
        }
        return ranges;
    };

    // internalidnumber compares the internal id as a number (keyset paging's usual filter).
    const idRangeFilter = (ranges) => {
        const terms = ranges.map(([after, before]) => (before === null
            ? ['internalidnumber', 'greaterthan', after]
            : [['internalidnumber', 'greaterthan', after], 'AND', ['internalidnumber', 'lessthan', before]]));
        return terms.slice(1).reduce((all, term) => all.concat(['OR', term]), [terms[0]]);
    };

    // Only asked when the search refused a column: 10 units a field, to name the one at fault.
    const isCustomerField = (name) => {
        try {
            search.create({ type: search.Type.CUSTOMER, filters: [['internalid', 'anyof', '@NONE@']],
                columns: [search.createColumn({ name: name.toLowerCase() })] }).run().getRange({ start: 0, end: 1 });
            return true;
        } catch (e) {
            return false;
        }
    };

    const customers = (body) => {
        const searchId = requiredString(body, 'searchId');
        const columnsFrom = requiredString(body, 'columnsFrom');
        const fields = body.fields === undefined ? [] : body.fields;
        if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string' || f === '')) {
            fail('INVALID_REQUEST', 'fields must be a list of customer field ids.');
        }
        const modifiedAfter = body.modifiedAfter;
        if (modifiedAfter !== undefined && modifiedAfter !== null
            && (typeof modifiedAfter !== 'string' || !ISO_INSTANT.test(modifiedAfter) || isNaN(Date.parse(modifiedAfter)))) {
            fail('INVALID_DATE', 'modifiedAfter must be an ISO 8601 date and time with a time zone, '
                + `e.g. 2026-11-27T05:00:00Z; got ${JSON.stringify(modifiedAfter).slice(0, 60)}.`);
        }
        const idRanges = idRangesOf(body);
        const args = pageArgs(body);
        const chosen = loadSearch(searchId);
        const mapping = loadSearch(columnsFrom);
        const seen = {};
        const columns = mapping.columns.concat(fields.map((f) => search.createColumn({ name: f.toLowerCase() })))
            .filter((c) => {
                const key = valueKey(c);
                const fresh = !seen[key];
                seen[key] = true;
                return fresh;
            });
        const modified = search.createColumn({ name: 'formulatext', formula: UTC_MODIFIED });
        let filters = chosen.filterExpression;
        if (modifiedAfter) {
            const since = modifiedFilter(modifiedAfter);
            filters = filters && filters.length ? [filters, 'AND', since] : [since];
        }
        if (idRanges) {
            const between = idRangeFilter(idRanges);
            filters = filters && filters.length ? [filters, 'AND', between] : between;
        }
        let paged;
        try {
            paged = search.create({
                type: chosen.searchType,
                filters: filters,
                columns: columns.concat([modified, search.createColumn({ name: 'internalid', sort: search.Sort.ASC })]),
            }).runPaged({ pageSize: args.pageSize });
        } catch (e) {
            if (errorName(e) === 'SSS_INVALID_SRCH_COL') {
                const bad = fields.find((f) => !isCustomerField(f)) || fields.join(', ');
                fail('INVALID_FIELD', `${JSON.stringify(bad).slice(0, 60)} is not a customer field.`);
            }
            throw e;
        }
        const pageCount = paged.pageRanges.length;
        if (args.page >= Math.max(pageCount, 1)) {
            fail('INVALID_PAGE_RANGE', `page ${args.page} is out of range; the search has ${pageCount} page(s).`);
        }
        const rows = pageCount === 0 ? [] : paged.fetch({ index: args.page }).data;
        return {
            searchId: searchId,
            columnsFrom: columnsFrom,
            columns: columnsOf(mapping),
            fields: fields,
            ...(idRanges ? { idRanges: idRanges } : {}),  // echoed: an older script ignores idRanges
            page: args.page,
            pageSize: args.pageSize,
            pageCount: pageCount,
            totalResults: paged.count,
            hasMore: args.page + 1 < pageCount,
            signingKeyId: linkSignature.signingKeyId(),
            results: rows.map((row) => {
                const values = {};
                columns.forEach((column) => {
                    values[valueKey(column)] = displayValue(row, column);
                });
                return { id: String(row.id), lastModifiedDate: row.getValue(modified), values: values };
            }),
        };
    };

    const writeBack = (body) => {
        const updates = body.updates;
        if (updates === undefined || updates === null) {
            fail('SSS_MISSING_REQD_ARGUMENT', 'Missing a required argument: updates');
        }
        if (!Array.isArray(updates) || updates.length < 1 || updates.length > MAX_UPDATES) {
            fail('INVALID_REQUEST', `updates must be a list of 1 to ${MAX_UPDATES} records.`);
        }
        const seen = {};
        updates.forEach((u) => {
            const id = u && typeof u === 'object' ? u.id : undefined;
            if (typeof id !== 'string' || !CUSTOMER_ID.test(id)) {
                fail('INVALID_CUSTOMER_ID', `${JSON.stringify(id).slice(0, 40)} is not a customer internal id (digits, as a string).`);
            }
            if (!u.values || typeof u.values !== 'object' || Array.isArray(u.values) || Object.keys(u.values).length === 0) {
                fail('INVALID_REQUEST', `updates for ${id}: values must be an object naming 1 or more fields.`);
            }
            if (seen[id]) {
                fail('INVALID_REQUEST', `updates name customer ${id} twice; send each record once a call.`);
            }
            seen[id] = true;
        });
        const script = runtime.getCurrentScript();
        const allowed = textParameter(WRITEBACK_FIELDS)
            .split(',').map((f) => f.trim().toLowerCase()).filter((f) => f !== '');
        const results = [];
        const unprocessed = [];
        updates.forEach((u) => {
            if (unprocessed.length || script.getRemainingUsage() - SUBMIT_FIELDS_UNITS < USAGE_RESERVE) {
                unprocessed.push(u.id);
                return;
            }
            const notAllowed = Object.keys(u.values).filter((f) => allowed.indexOf(f.toLowerCase()) < 0).sort();
            if (notAllowed.length) {
                results.push({ id: u.id, ok: false, error: { code: 'FIELD_NOT_ALLOWED',
                    message: `${notAllowed[0]} is not in the script parameter ${WRITEBACK_FIELDS}; nothing of this record was written.` } });
                return;
            }
            try {
                // ignoreMandatoryFields: a customer missing a field made mandatory later still gets its link.
                record.submitFields({ type: record.Type.CUSTOMER, id: u.id, values: u.values,
                    options: { enableSourcing: false, ignoreMandatoryFields: true } });
                results.push({ id: u.id, ok: true });
            } catch (e) {
                const message = e instanceof Error ? e.message : String(e);
                results.push({ id: u.id, ok: false, error: { code: errorName(e) || 'UNEXPECTED_ERROR', message: message } });
            }
        });
        return { results: results, unprocessed: unprocessed, remainingUsage: script.getRemainingUsage() };
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
        const scriptId = textParameter(PORTAL_SCRIPT);
        const deploymentId = textParameter(PORTAL_DEPLOY);
        if (!scriptId || !deploymentId) {
            // url.resolveScript would answer an opaque error, or a link to nothing, without these two.
            fail('PORTAL_NOT_CONFIGURED', `The RESTlet deployment's script parameters ${PORTAL_SCRIPT} and `
                + `${PORTAL_DEPLOY} must name the portal Suitelet's script and deployment ids `
                + '(customscript_custsync_portal, customdeploy_custsync_portal): deploy deploy/netsuite again, '
                + 'or set them on the deployment.');
        }
        return {
            scriptId: scriptId,
            deploymentId: deploymentId,
            links: ids.map((id) => ({
                id: id,
                url: url.resolveScript({
                    scriptId: scriptId,
                    deploymentId: deploymentId,
                    returnExternalUrl: true,
                    params: { cid: id, sig: linkSignature.sign(id) },
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
        if (action === 'signingKey') {
            return { signingKeyId: linkSignature.signingKeyId() };
        }
        if (action === 'customers') {
            return customers(body);
        }
        if (action === 'writeBack') {
            return writeBack(body);
        }
        if (action !== 'columns' && action !== 'results') {
            fail('INVALID_ACTION', `Unknown action ${JSON.stringify(action)}; `
                + 'use "columns", "results", "customers", "writeBack", "portalLinks" or "signingKey".');
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
