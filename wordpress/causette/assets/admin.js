/* Settings → Causette: the colour picker and "Check connection". */
(function () {
	'use strict';
	var __ = window.wp && window.wp.i18n ? window.wp.i18n.__ : function (s) { return s; };
	var sprintf = window.wp && window.wp.i18n ? window.wp.i18n.sprintf : function (s) {
		var args = Array.prototype.slice.call(arguments, 1);
		return s.replace(/%s/g, function () { return args.shift(); });
	};

	if (window.jQuery && window.jQuery.fn.wpColorPicker) {
		window.jQuery('.causette-color').wpColorPicker();
	}

	var button = document.getElementById('causette-check');
	var out = document.getElementById('causette-check-result');
	if (!button || !out) {
		return;
	}

	function show(lines, ok) {
		out.textContent = '';
		var box = document.createElement('div');
		box.className = 'notice inline ' + (ok ? 'notice-success' : 'notice-warning');
		lines.forEach(function (line) {
			var p = document.createElement('p');
			p.textContent = line; // Text only: nothing from the server becomes markup.
			box.appendChild(p);
		});
		out.appendChild(box);
	}

	button.addEventListener('click', function () {
		var server = button.getAttribute('data-server');
		var site = button.getAttribute('data-site');
		var publicOrigin = button.getAttribute('data-public-origin');
		if (!server || !site) {
			show([__('Save a server URL and a site key first.', 'causette')], false);
			return;
		}
		show([__('Checking…', 'causette')], true);
		var sent = Date.now();
		fetch(server + '/v1/diagnose?site=' + encodeURIComponent(site), { credentials: 'omit' })
			.then(function (res) {
				if (!res.ok) {
					throw new Error('HTTP ' + res.status);
				}
				return res.json();
			})
			.then(function (d) {
				var lines = [];
				var ok = true;
				if (d.site_known) {
					lines.push(sprintf(__('The site key %s exists on the server.', 'causette'), site));
				} else {
					ok = false;
					lines.push(sprintf(__('The server does not know the site key %s. Check the key, or create it with `causette site add`.', 'causette'), site));
				}
				var origin = d.origin || window.location.origin;
				if (d.origin_allowed) {
					lines.push(sprintf(__('This origin (%s) is allowed to show the chat.', 'causette'), origin));
				} else {
					ok = false;
					lines.push(sprintf(__('This origin (%s) is not allowed to show the chat: add it to the site\'s allowed origins (causette site update KEY --add-origin %s).', 'causette'), origin, origin));
				}
				if (publicOrigin && publicOrigin !== origin) {
					lines.push(sprintf(__('This check ran from the admin origin %1$s; your visitors come from %2$s, which must be allowed too.', 'causette'), origin, publicOrigin));
				}
				// Half the round trip is the best guess of when the server read its clock.
				var browserNow = (sent + Date.now()) / 2 / 1000;
				var diff = Math.round(d.server_time - browserNow);
				if (Math.abs(diff) <= 5) {
					lines.push(__('The server clock and this computer\'s clock agree.', 'causette'));
				} else {
					lines.push(sprintf(__('The server clock is %s seconds away from this computer\'s clock; the chat copes with this, but one of the clocks is wrong.', 'causette'), String(diff)));
				}
				show(lines, ok);
			})
			.catch(function (err) {
				show([sprintf(__('The Causette server at %1$s could not be reached (%2$s). Check the server URL and that the server is running.', 'causette'), server, err.message)], false);
			});
	});
}());
