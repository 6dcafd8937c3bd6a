/* The Causette chat block: rendered by the server (a container the widget
 * fills); the editor shows a placeholder. Plain JS, no build step. */
(function (blocks, element, i18n, blockEditor) {
	'use strict';
	var el = element.createElement;
	var __ = i18n.__;
	blocks.registerBlockType('causette/chat', {
		edit: function () {
			var props = blockEditor && blockEditor.useBlockProps ? blockEditor.useBlockProps() : {};
			return el('div', props, el('p', { className: 'causette-block-placeholder' },
				__('The Causette chat shows here on the published page.', 'causette')));
		},
		save: function () {
			return null;
		}
	});
}(window.wp.blocks, window.wp.element, window.wp.i18n, window.wp.blockEditor));
