<?php
/**
 * The block script's dependencies (what a build step would generate).
 *
 * @package Causette
 */

return array(
	'dependencies' => array( 'wp-blocks', 'wp-element', 'wp-i18n', 'wp-block-editor' ),
	'version'      => '0.1.0',
);
