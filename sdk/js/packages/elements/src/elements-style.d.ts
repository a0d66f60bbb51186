// Types of elements-style.js: the elements' CSS and money formatting.
export declare const BASE_STYLE: string;
export declare const CHAT_STYLE: string;
export declare const BUY_STYLE: string;
/** A USD decimal string the way every amount is shown: "$8.333333333", "-$0.00005", "$1,234.50". */
export declare function formatUsd(value: string | number | null | undefined): string;
export declare function formatBalance(value: string | number | null | undefined): string;
export declare function formatCost(value: string | number | null | undefined): string;
