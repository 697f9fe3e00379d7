// The ambient declarations of the Holepunch modules our own code is typed by (they ship none).
// Internal: never referenced from the published declarations, which describe drives structurally.
/// <reference path="./hypercore.d.cts" />
/// <reference path="./hyperbee.d.cts" />
/// <reference path="./hyperdrive.d.cts" />
/// <reference path="./corestore.d.cts" />
/// <reference path="./hyperbee-messages.d.cts" />
/// <reference path="./mirror-drive.d.cts" />
/// <reference path="./localdrive.d.cts" />
/// <reference path="./hyperswarm.d.cts" />
