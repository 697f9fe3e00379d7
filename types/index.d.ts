// The ambient declarations multidrive's public types rely on (the Holepunch modules ship none).
/// <reference path="./hypercore.d.cts" />
/// <reference path="./hyperbee.d.cts" />
/// <reference path="./hyperdrive.d.cts" />
/// <reference path="./corestore.d.cts" />
/// <reference path="./hyperbee-messages.d.cts" />
