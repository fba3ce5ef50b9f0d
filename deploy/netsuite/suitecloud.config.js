// The SuiteCloud CLI (`suitecloud project:deploy`) reads this file. This folder itself is the account
// customization project: manifest.xml, deploy.xml, FileCabinet/ and Objects/.
module.exports = {
    defaultProjectFolder: '',
    commands: {},
};
