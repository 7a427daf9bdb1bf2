// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PlasmaMerkle} from "./PlasmaMerkle.sol";

/// @title PlasmaLedgerTree
/// @notice The ledger tree a chain parent keeps its ParentLedger in (docs/TREE.md §2, core `ledgerTree.ts`): a sparse
///         Merkle tree of depth 256 keyed by `ledgerKey(kind, child, a, b)`, leaf = keccak256 of the entry's value,
///         empty leaf = 0, `zero[i+1] = keccak(zero[i] ‖ zero[i])`, bit `i` of the key (big-endian uint256) set = the
///         level-`i` node of its path is a right child. A proof is compressed: `bitmap` bit `i` set = the level-`i`
///         sibling is not `zero[i]`, and `siblings` are exactly those, from the leaf upward. What a proof against a
///         chain's ledger root needs (the escape of holders inside a frozen chain's children, transition proofs of the
///         ledger kinds): the same construction as core's, checked against it by shared vectors
///         (contracts/test/vectors.test.ts).
library PlasmaLedgerTree {
    uint256 internal constant DEPTH = 256;

    /// @notice The proof does not have one sibling per set bit of its bitmap.
    error BadLedgerProof(uint256 siblings, uint256 bitsSet);
    /// @notice `table` is not a PlasmaZeroHashes contract.
    error ZeroHashesMissing(address table);

    /// @notice Where an entry lives: keccak256(abi.encode(uint8 kind, bytes32 child, bytes32 a, uint256 b)).
    function key(uint8 kind, bytes32 child, bytes32 a, uint256 b) internal pure returns (bytes32) {
        return keccak256(abi.encode(kind, child, a, b));
    }

    /// @notice The root of the ledger tree whose leaf under `k` is `leaf` (0: the key is absent), given the proof of
    ///         `k`. With the same proof and another leaf it is the root after that one write: an update is checked by
    ///         folding the old leaf to the old root and the new leaf to the new one.
    function rootOf(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] memory siblings) internal pure returns (bytes32 node) {
        node = leaf;
        bytes32 zero; // zero[i]
        uint256 used;
        uint256 count = siblings.length;
        uint256 path = uint256(k);
        for (uint256 i; i < DEPTH; ++i) {
            bytes32 sibling = zero;
            if ((bitmap >> i) & 1 == 1) {
                if (used == count) revert BadLedgerProof(count, _popcount(bitmap));
                sibling = siblings[used++];
            }
            node = (path >> i) & 1 == 1 ? PlasmaMerkle.hashPair(sibling, node) : PlasmaMerkle.hashPair(node, sibling);
            zero = PlasmaMerkle.hashPair(zero, zero);
        }
        if (used != count) revert BadLedgerProof(count, used);
    }

    /// @notice zero[0 .. DEPTH - 1]: the empty subtrees a proof's unset bitmap bits stand for, computed once per call
    ///         for {rootOfCalldata} (a proof fold then hashes once per level instead of twice): 256 keccaks, ~36,000 gas.
    function zeroHashes() internal pure returns (bytes32[] memory zeros) {
        zeros = new bytes32[](DEPTH);
        assembly ("memory-safe") {
            let z := 0
            let p := add(zeros, 0x20)
            for { let i := 0 } lt(i, DEPTH) { i := add(i, 1) } {
                mstore(add(p, shl(5, i)), z)
                mstore(0x00, z)
                mstore(0x20, z)
                z := keccak256(0x00, 0x40)
            }
        }
    }

    /// @notice {zeroHashes} read from a PlasmaZeroHashes contract (one EXTCODECOPY, ~5,000 gas): what the ledger modules
    ///         use. Reverts ZeroHashesMissing unless `table` holds exactly the 8 KiB table.
    function zeroHashesFrom(address table) internal view returns (bytes32[] memory zeros) {
        if (table.code.length != DEPTH * 32) revert ZeroHashesMissing(table);
        zeros = new bytes32[](DEPTH);
        assembly ("memory-safe") {
            extcodecopy(table, add(zeros, 0x20), 0, shl(5, DEPTH))
        }
    }

    /// @dev zero[i] for i = 0 .. 255, 32 bytes each: zero[0] = 0, zero[i + 1] = keccak256(zero[i] ‖ zero[i]); the code
    ///      of PlasmaZeroHashes (contracts/test/vectors.test.ts checks it against core's).
    bytes internal constant ZERO_HASHES = hex"0000000000000000000000000000000000000000000000000000000000000000ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5b4c11951957c6f8f642c4af61cd6b24640fec6dc7fc607ee8206a99e92410d3021ddb9a356815c3fac1026b6dec5df3124afbadb485c9ba5a3e3398a04b7ba85e58769b32a1beaf1ea27375a44095a0d1fb664ce2dd358e7fcbfb78c26a193440eb01ebfc9ed27500cd4dfc979272d1f0913cc9f66540d7e8005811109e1cf2d887c22bd8750d34016ac3c66b5ff102dacdd73f6b014e710b51e8022af9a1968ffd70157e48063fc33c97a050f7f640233bf646cc98d9524c6b92bcf3ab56f839867cc5f7f196b93bae1e27e6320742445d290f2263827498b54fec539f756afcefad4e508c098b9a7e1d8feb19955fb02ba9675585078710969d3440f5054e0f9dc3e7fe016e050eff260334f18a5d4fe391d82092319f5964f2e2eb7c1c3a5f8b13a49e282f609c317a833fb8d976d11517c571d1221a265d25af778ecf8923490c6ceeb450aecdc82e28293031d10c7d73bf85e57bf041a97360aa2c5d99cc1df82d9c4b87413eae2ef048f94b4d3554cea73d92b0f7af96e0271c691e2bb5c67add7c6caf302256adedf7ab114da0acfe870d449a3a489f781d659e8beccda7bce9f4e8618b6bd2f4132ce798cdc7a60e7e1460a7299e3c6342a579626d22733e50f526ec2fa19a22b31e8ed50f23cd1fdf94c9154ed3a7609a2f1ff981fe1d3b5c807b281e4683cc6d6315cf95b9ade8641defcb32372f1c126e398ef7a5a2dce0a8a7f68bb74560f8f71837c2c2ebbcbf7fffb42ae1896f13f7c7479a0b46a28b6f55540f89444f63de0378e3d121be09e06cc9ded1c20e65876d36aa0c65e9645644786b620e2dd2ad648ddfcbf4a7e5b1a3a4ecfe7f64667a3f0b7e2f4418588ed35a2458cffeb39b93d26f18d2ab13bdce6aee58e7b99359ec2dfd95a9c16dc00d6ef18b7933a6f8dc65ccb55667138776f7dea101070dc8796e3774df84f40ae0c8229d0d6069e5c8f39a7c299677a09d367fc7b05e3bc380ee652cdc72595f74c7b1043d0e1ffbab734648c838dfb0527d971b602bc216c9619ef0abf5ac974a1ed57f4050aa510dd9c74f508277b39d7973bb2dfccc5eeb0618db8cd74046ff337f0a7bf2c8e03e10f642c1886798d71806ab1e888d9e5ee87d0838c5655cb21c6cb83313b5a631175dff4963772cce9108188b34ac87c81c41e662ee4dd2dd7b2bc707961b1e646c4047669dcb6584f0d8d770daf5d7e7deb2e388ab20e2573d171a88108e79d820e98f26c0b84aa8b2f4aa4968dbb818ea32293237c50ba75ee485f4c22adf2f741400bdf8d6a9cc7df7ecae576221665d7358448818bb4ae4562849e949e17ac16e0be16688e156b5cf15e098c627c0056a927ae5ba08d7291c96c8cbddcc148bf48a6d68c7974b94356f53754ef6171d757bf558bebd2ceec7f3c5dce04a4782f88c2c6036ae78ee206d0bc5289d20461a2e21908c2968c0699040a6fd866a577a99a9d2ec88745c815fd4a472c789244daae824d72ddc272aab68a8c3022e36f10454437c1886f3ff9927b64f232df414f27e429a4bef3083bc31a671d046ea5c1f5b8c3094d72868d9dfdc12c7334ac5f743cc5c365a9a6a15c1f240ac25880c7a9d1de290696cb766074a1d83d9278164adcf616c3bfabf63999a01966c998b7bb572774035a63ead49da73b5987f34775786645d0c5dd7c04a2f8a75dcae085213652f5bce3ea8b9b9bedd1cab3c5e9b88b152c9b8a7b79637d35911848b0c41e7cc7cca2ab4fe9a15f9c38bb4bb9390c4e2d8ce834ffd7a6cd85d7113d4521abb857774845c4291e6f6d010d97e3185bc799d83e3bb31501b3da786680df30fbc18eb41cbce611e8c0e9c72f69571ca10d3ef857d04d9c03ead7c6317d797a090fa1271ad9c7addfbcb412e9643d4fb33b1809c42623f474055fa9400a2027a7a885c8dfa4efe20666b4ee27d7529c134d7f28d53f175f6bf4b62faa2110d5b76f0f770c15e628181c1fcc18f970a9c34d24b2fc8c50ca9c07a7156ef4e5ff4bdf002eda0b11c1d359d0b59a54680704dbb9db631457879b27e0dfdbe50158fd9cf9b4cf77605c4ac4c95bd65fc9f6f9295a686647cb999090819cda700820c282c613cedcd218540bbc6f37b01c6567c4a1ea624f092a3a5cca2d6f0f0db231972fce627f0ecca0dee60f17551c5f8fdaeb5ab560b2ceb781cdb339361a0fbee1b9dffad59115138c8d6a70dda9ccc1bf0bbdd7fee15764845db875f6432559ff8dbc9055324431bc34e5b93d15da307317849eccd90c0c7b98870b9317c15a5959dcfb84c76dcc908c4fe6ba92126339bf06e458f6646df5e83ba7c3d35bc263b3222c8e9040068847749ca8e8f95045e4342aeb521eb3a5587ec268ed3aa6faf32b62b0bc41a9d549521f406fc308601d83cdd34b5f7b8df63e7b9a16519d35473d0b89c317beed3d3d9424b25384e35c5d92171376cae5c86300822d729cd3a8479583bef09527027dba5f11263c5cbbeb3834b7a5c1cba9aa5fee0c95ec3f17a33ec3d8047fff799187f5ae2040bbe913c226c34c9fbe4389dd728984257a816892b3cae3e43191dd291f0eb514af5385bcbb1e4738bbae8106046e6e2fca42875aa5c000c582587742bcc74872f29656803c2f4be177b1b8dd2a5137892b080b022100fde4e96d93ef8c96ffd06f27061c734d7825b46865d00aa900e5cc3a3672080e527171e1171aa5038a28203985b5f2d87709171678169739f957d2745f4bfa5cc91e2b4bd9bf483b400a162946e56158bac0673e6dd3bdfdc1e4a0e7744a120fdb640050c8d7abe1c6e2c3ed4052eeb1d60514b4c38ece8d73a27f37fa5b36dcbf338e70de95798caa926bf520e7f453db475da42b994d9447de1f93ee91502a64748e371ed0d1207e7516de2f5995cfafacfd70e1a2067241740388d324343a1eb5e71a10f6bb3298ea5466fc04d601ab583158b9c6626cfbb66640d7dc229afaa59fd52ff415180b806f45e88b008f79b47585bdf322be73560cb09d6cac65534e8764bae68a607e8456107723bf83d4a67be05860c6730f8540e49ca0f515344ca83a076c622ff59837f794827f98f048587b3f2d2b67817b34821097cc60069dd15d62ee52273d0cfbd2781f72955df5e33fc4b304fc362fb1637974575f166768f56da09b1fc998fdc3f9b823005b507065b58c622aac45efeda41706775668b37a230d8aff9edf0b5e5db8973fa136e3fba2faabd16677494266a1bdc6b0a8dd7aa187b560b2e67efc7167068b5ca5fddeecd68727dce6b03962f356df86edf32581c5e2f142ac692525a14b469fa4c0069eff411001aac6c42d3438f043eb9c3115ec79b546420f9e2a54121eef63530c80909eaed61fffacb8af31074df795e8d16d9d77c0572b220bc6da4cc990acf6cb2e3c8a426408cb90c1298e3869cd55660625b2c33c2dd835b3f37d72592ee76ebced8b1a15310b824a0d62409263f1594da5217110d9f6bbcc5fcd9cf7a8fcd37a14dc7d719fadbc7f75f98ebebb0719397c50c13324b6af8c3c1a134906345824ea56115ff5d46e863394edec5b4e6089e99d95d70c6460f498b10eb3a4e739e18f8ed10110d89fb35de350c1e07ff7a300f9fb21dfaa8164b31e8d7c6dc1e1d29344001be3ca30c6446b8903f5476553d94c630d1064e0c1618c57517fc16a4c2f360cd9089464794d8d907c85d0a286a02da63c29cc1006a2062d4ac52af124a42a0d937f120260434eb3b234c74fde8256ccba6bd22d33b9fe2010eecc7663983e56d39a9b3a6ef9ba7ad252ad47bb3268c4e5aed5fd2336862ff33e1648d0fa058520dbe003049dfe2433d6f9e3305aa08d7275275a0ea97bde92cd92fdd57d472b4db985d2814951c88373f3bbdca8413117e6b3aa581f972e331445b8c661894178ae8852201c8df34706d1dfb6c92f75aeac70a85397030d84193a54a6e596750e6ab3926b530c127a17c9e24b20b8cebc12436ba2b2cee8586cc4714522d1866fa0e949bde42ad7d9645cdd8fe58ba049c40fe4834a5e78ff1a24b37b6e40119f520de73a0cb51479d91d73cdebab8fd8df824c861814311dfc864f00253ace3f6745cbc9562806186f74ac957857c1dbf0c1a5316e43762e4a4ea443b9458e97e8a6e7991421bb2eb1f8f346804d2ba94c80c79017fd7ff0e134c5bdee69867a580cd0aff9f1d67f36a9785c02e920966e6f6d7f644467cfe28dc9f9db78d5a025ad5117fc5641184724590e7654e4929bdd7feee9229494a3eafcc2eeea3a5f51db20f26fdb8a9d13344534d8f1fb81b24f93bde1395b538944e740855d144d996fcebaab447637fb47a7e2b74e2004fa584f5a852d22ed2a1834964da6d267e7bca3d9f3a9513c6c077fec5a9501847eb542c8078dae0f4195c0fc6f00341851f26f58963efc59e51c42bfe63bfc1c541f19d04dfaec842b7d790b185904de53503ea4cc6f78fd3f17549082a6ad1038dde7a37f37bab144466ee29afed96179e9f324aea58d4fe991036f1e2bee7ab4e529bcc484ecfab23aee965ac0c34da462d314b34271a5d54768399d758258c31c137dc3fc670a6a08bea893f6340e80ad7d5f744c90d87f6fac83ff44101c6457dfbed1d1982b4303e9c8f2aa8efc3b36a0b73b24007503da3936b9643baf04efc3d21fa0dbd3d0969859f456be53bc855d667153e96a1077c258f5c47cf64f3afe4825e212efd8d5a09b38c24907154b962e87c13494453fe84360f5af2215baa129243bb2489b96eb079f9fc52ffc5a75fe44e4dc5525480b08cec100c016d66a19e8c03a88c7d2deb1c2266264d0def276668c1530e0b4d0797f5bbd21537b0813609408495d2da79242fd95350051c055b282e880251dc7ef2c8604ce0e1a1ebd2dbf3788e4629d9edbe23d0320595cb4a2259968bd183fcfe784f44e31c84801b7c30a7f6a117b9409ae826a2d8ad0856e90e5325c02a171fd406cf50bbdf427e8002383ef989df23898c8fa2ffd6cfbcda75d9c0f388b97b18a37cdeba8b83fb1b00ad0ea7a73d33d5bfc63abbd0209a3a25fc1c6f612fccd4b9eec750d05b6ca921b7dbfc5c80e427c89d2a0746ffe884391445eb5870054837486d55a186b3d9778b312e59bf6883902072e078e05387853e6a9daae02fa0cc3393908f0cf05a59f17147046a51de9e3378b8988b777f97cd48fbbd76b4d302fbbe6e8eeeca8137f1bffc740264e3f51078373a74aad94bb7e06318d0470fc17af787d9946676534a6ae3b9052a019e2ec315ea1067c0ccfbe02d93c286c90828a9cd7b8b7fb4f8bc6892dd9862063dd8049c7a2ba1869e917ac4058c4fafa89962bf93a871bae8ecca539235fd64e11d25ff2892c6b5696984247ca1a06ea6fa61932131d5b86a81122ca2d99d9e8ca85a8823d383e4dd529ce6167b39b1b7a0ffd5897716f91d481cb2fae38c1a715048d24f49b4830ed6e0f38df400aca7380c0f853e1e11595f38eb9ce932e81decad7806b6ce626e64664c63d0161300ffe89d1594b8077eda30ce89ce37de5d40326d13fa59af5b65b056d637086493e94aa8010138ccd8527712e6ba00df632f1cb3a26f8bb1a0148394b4da26b9389b5770e44a24cf2e9c028441c87df80f9cdd26899f2a95d149ae42422491261cfccb2e65c2b007fc48a929459b9e55c7cae243a1768db34f563c2f900d9a4a8ad302898c897fe6821c3034bd415821ea249af1158aa1e01223e9f2f7bdabe2a91e2e77f6be80bc97c465771de809cd1d51d18b0c683396f667dc345a80a013d2ff23cc0a657d3ee03226073d99c4bf36f87579727aa1dde29be3b56081c923ecf3722d7964d96ed3cae69957ac1b17c98ea779c761a4fb85854324839a45adc499dc68abbb997d022d6856ace0a1ac4658c6a50c2d49f0364122de47b674b69871b6e7c1bb16fcbd954fb343570f8af720ef19c99a4fd9e25385e55adf44c5479e0d3d80775c56a2c2f851a5d85947481174365da46141c42392743675d6ecd3ab5249b4847705e8d30ab13298e63fe8235be99b919a8227e483ef09061897d5c02e85cd2718f3c51347a437a639cd8bda8012a03116bfce7bc2527a1b4bcbe3ed35124787675617fe78a0d0dc3edb867fe65b9e5ab21bcd397cd8cce804add64c776a4515d2ad878e0efca9b85d835f72d8b4993f9d811d6b166ab5bb9fc8aeab7410701f8479f08f86a2e0b4479244ff3dd5387d58a703f9a015fa4d200d89a8b22cab77687d11e22a9a8a1435d8472151e02a58f76dfc43b72b251d171b88edd401defb6e37b2cf2a4ac58cb3243b951e4961cee4533bded902fc7a4d8e13ceb9b3ef37f57873243293af6b915c758f5d554efeec10b4aa6b3ddd4950d2e4c1ee5f653417fecfabb729e87549d52fa9c57d04f7aaa5227f751aa80b8dc8cf7724122379fae39a109c8fa30ff3eb5dd2ee9a1a845fd9d2535acd55657410beedb2eea906c679da20dfaaff3ee92905f9aafa3a7b5a2c01f1f685e362b58acb6e6d4940f6ffabfb754cd67588efd188645caef892949bd5d668258018b56a1667e636ee3d2914157a39963c308e93a492ea86cb782d96e47773775f544cbbed975921e88680163d20f21b0c5ff61d1b97bdbc6d5c69e746090c2bc6cc27d03ed6e961332a631a45900d5c2111360dcff5631b58c0fc3d3ef8e2d57fed5ca15aa2cceb4b84ce151df2873c66c6e18c38739a46d06b75541af46768215b6d50de9a81341fe8aee600370cc4852b1008aaa846e58ba6356c096e2df04cd976f8e46615afdde2756b92ae1012be3e0393856457c9def83fcf93bebc67f6e9d8ac16c2566e509d27fe0c00ef2c3f76571a1de60050d20956554ccee77800c1886284883a8a736815726b51d74b5e17aa40cd190dc8df1fea1d003a63d383befb78c543fd9e153ba4a11b304729c10f1aadb2c1ce9107dfcbc116a6386bb232af67d5148709af2d94bc10e73010cfbe7c4f6d0c2bab4ae8b47e4550a61395406c45de6c57c3276264b9553da224c0d1a17b68b3c56a4b15662d36e10a35c69b17667ce23d988b412458381a1e7cc4694c7965079160b1475402094e36c5efcb5e2f90909dc157ba005a4ddffe637c6acfdfbf00dd6a841bb68b071b10e780aa40cf85f8263f9ed50c782f009a566c2b39d8190060b943a72eb5a293295de5781eb3f97e98d07db4c54980be0d3163d829aba97ba0021f92c014bfd75073bda8cbf3135df0ea686d3be86feebdfe4e5735f5e29f873dcccedf032dbe87ebb4ce288e7d25dc069939571e98953968137491ae284cbef1c8568ba52a6caf16be6686704b5bd0b16f1fa0bc9347890e62b042484a96d935c3f4e4fe26f978a9fae857b29de493f8e90be01b85720fce78d9a0b1723f9207fa40a138a289c2c874f77d441937073ea24f05b6e6bea9ebaa3fb1d09a27ec6be64c7b23ba47ea31539b74174577eaf8beb1144577bc002a8206905fca6cb9a92d4669a5e0a2b3e3ec3fec92639bde92386815c070dea0667413a08310509d7c9b28bb1362e27b9971690e5c0c6eb16656865d318680b7b0d5a8561d3dd6af56925970e4c9a4c267c81c3b636dacb6bf96fa19de91de4b5188cce06be2939ec4451e1873e480d1e07bd3dfe918fef2e80422d46790a0431ee33d8aa549d6d4251b1d664c7058b45068c3a976e7c9f4c26b40157d61dd2a2eb64f6a74d655250bc0647527b20216d836a7d48bc453d861614e2070c13bb97de44f75972ecd5d81e2025fe7127e6ed3f9a2f992c966925cbe00472cc50784ae9417c15e50c0bd3085b555ffba9160cd56ce0e02ff92c07ea3527207923e96a912c2dcf391b1e3886b22119b1635c2c2d62cc61495f46fe259ea57d17992fc658f80a94aa2f37b63e6095de918ba699a8fae64fcd2b70fc67c42f2605058653e35656c960c69988e2d9f818b7d498a924c31a6a0d169f13f19042828f79c17800f6dc624ac76382de4dca5e1948f15e101e4d6c96f4448b7d43a674b893bee7f4bcaf22eb92b8f13eace36cb34afd568a472d25135edbcb85bd4dc1f4260bf7afb24b264b25f63963d84c1937687ec9a384046af8b25a9c097d835e29c20a05ebea6b7f23f5e2d1263eb1bd93779efb871e4315d1f7dbed462b6a1b14ea3409d192cb4082cbeff3687a3c0fda1e839ef5956b3c2346cb56b19a815523df24117788d9792fa68fe011ffc3a5910e998991038ecdba36a13e3f556f0fff4fd35c0698d8760015d6eaa6227aec56d3ff68ef223c6947a9eb0ce72e31fb969c4fd010bcea7af9af01685e198cae9b13bd38806166007ef2064162cc07cb6234137fe3ac38224442b26d767c950ac84388a715862a5ffff267d79d88b9218ca1b4e7d7c178aea170fc0edd4afd6a264698bfa80791d5cd71a28270f841b92dc8698ed5613ecaf11f5d577c023a6803959bdb6a60809273b6447f12f05a198a6f28afea20d07b4ae3fc50afc212ceb0a5d11ee087d6674346eb034ebad3d82683cf594e9971a45b6b67d19c9957086e08fae41c3150487fac70425fd0b7663d80ec9605b7474ee594be89418423dab28378e6c87e666f28b0b89931f7384aeddb5c136a679d54464007e2d828d4741bec626ff92aeb4b12d47ce243233824b0698d95f4ecb3497eb5a8df4435b6eeacde2315a027f00ad78fc0aa37aeb710e65ae422652f38f11f8070f901005192b8c78223ae379b48abeb6f254bc1e076a7df76784801dde0f19c0e505ed737e3e757f372d2d47fb252da423347221fcd7574927ba888aea064acbf414372d5a62ad1e16117e3993cd677673babc2accf35a04ffc95b876350213acfd7a25788657c1d0389341a53e25673ffb44d37de9dcd28993916ae580f70d6106cf4e70a4d34bc6648c7ba6771ba49332824ef368c2478ce674df35843faeeaceda4d677657248e666053ee01fb1370c1f38a299f77e14d6a6c6e0afea94c32441639cabfdea10015c9af71ebab82061b9f4ec1eaacc79cee97ac6014742dd382aebc463c01b87b281023a5be99843102780a3dcaa2d4fa9f80fb2df8d93c1f78b8ca6bf42e7064c61a7abbedacc44c03cd8bcc2fd100b9d55cf1734d0610ba2e8c77d520ee122809094f9aea4a250e249488cc9aabaee9d513bbdb623c78a72734f490d22c4cce73b36ab7af46b22b0108a7f4d9f1b5d6b5868d0bb49cc4efe01c0511efb9fa6cafe2630bbf8e7ff4860fc94c5e4043f504cbe0c87d2e5fc8fd6f0ee2c730a8e5fe5eac9ab9b4d806b9194724bca5212ee2fa67d9b3bade90581e82c337efba29575e76588483d08cfa68a2f4d315a70c88917211d67e7d5d00e8d7540d1593d1588b044a708cc6bd16b756d8984859394b076a600039e275042dd6f4f1d83ede4d6cf1eeeae0a649901548b8f0b385f5d4b66ece4d86d7088d31874acf74a67398a5ec5442d4215634987e436260d9655bb52076ce394d7507827d7886db3209d8a43b625a8c430fab9c71fa94b034ff7829f8e5143571df082264a8b10f84e02a1bf7cd2a4da536b146637084b907e9a23b454b203658e9820941af6fe2c03a2f5fcc3210a69f9ade6c91a2dcf10807dd96e28c81fe6bf14953fb0fd1451bcf8084c3ff1e3074d98ea666cba629938bca5a6dc70dc6586a4211d7890f831a8f5f74e1316a0352e567ee0f0510cb5bd6c5c3c256109863ac27f4fbaa2b04c716443dda47439f195a0b689972d503a757da449ebf2a649ff22d96eac16371023864bdd28dead6ba638602355836f79873347ed2bb035cdb620191e66b07e169c02bd4efe40034fb3de19a51923bc39ebd7967e173c1ef75c6ce263277650672892cbecc7f08ce21623f203318c1f61436b7ee9ce4bdb946f79c5f305ab79e0db91c311451f6c90d3dc3713d2f220ea9aeeb28d94574777eac7f3ba57c22f80f5f9be59b34ed20b4cceda416b9f629cc37fc124fc0105b6e9482a94aad927f57f5adb3b6f766df61b41ae12aec6551412cbd897ddbd8b3200a920fb9e50ab30a17780dd1f52dba8406fe5fc1132caa34bdb1a9a00ae89b8b5ff2e14ff76001b3c2c33e4e22794d032c2c1049a7258bb26aa7b7307428d1b691e2d161e8f004b2ea05ec5f79e97da6ab03092ddd92eedaed8cde9d6a14ea5680ea5cc5e56b076db47bb31f4198bf286555fec505cea1e237c5196e4b1a1fd805ae6ecc3d9ce473dfcf9c4dfe715dbfc7ddac7a99a7b9910b8847b670d5af53f7958af0a7967b79b9ac0069c390244fba78706f57a574f063d5160fc298e05f2aab06dc887e797f2a97181414643d42485da52d1d8900a627e2f3cc9f3cf6e653b8effed5972cd10a38990f2fefc4943d2f6f07c36756184ef2c622365cbaffb8b62e340f384388bb5bee95a7c6c1aad17b42ded56f410a916f905ace0219c3f5b859b9e62da6ab4425792b1b6dae3764101129829c8cedc9bd315090d55aaf67255d64c766f15bb38ebcd4f221760788fefa6ab20bb415c3d82a5a289a41ee611aac573c11d884b56e8788f769ffa2d362f3b43a268c4f1677145db590769d5eddce0efccfb9e8ba1c54058f657fd96bd16aa587f6d9de55a4171252c85261f5695bba8ddf34002975c3386c9ea9eaed00b0a87e48f1fa043a23aa2bc7036783b8092c2471f7c3d987f09ab0b0e22b75d0331a2a803d949f93a2b3168f76518c075a8c4fca928672678f87fd6bdaa6ce6ac2100a499f6c6f8a702ffcc3f5b0c0f9461f11f31a08c475bcb7b9897682a6b6783eb421c580bcd34282076160249de5a519062c4290916deb0cf172cd7283dba80f08b844f2c87d9bd3672a01db0648be947d801be995311d829a16c7045aba21b705a5b119057f2c9a72f1d1129c4415cd8e6e5af438f52b64ab4d19b370d3b6ebad9db60e0e1bb999b5e7c7fe576f4b22781f325af3a08ebc7a004a1e3132f61390538fdc20495f4083337ba85936959ca5199e2ecbebe74a0380a2148feba6e9aef1d63845f0d07b1cb47e864db044cfe32777db3129bf5f7b78121f1d8d4c0d75f6229827bb9d26fd53433c0eabf03aa5a5103c52992c149cf14aac9c876e32583d71eb49269f1473d6f1655372c8b16b85b477e9b0f0277c7e39be1396617458c5084df53ea9b892b2f5c6289fcb5c0562b05eb07c058bf32bfe201eec9748c40ad9fc8acc6022d15886e5bd1e4580b811e237cffc0478c6e53caf42af4d9f659bdb3d01867148f609687c6bdd3a9644565017f29fd3d9ba9b98242881d7188f16068d477b7d2ccd5dc1e27e1c38fd8821ed977229ac1bd53e1dae5f083e405874f6bfe5bc919385f500ae444b9a171159b3b6476cad78c38a007765f2bd62ad4a29a593e38bcbaac0685033d2cdb4a8129d9e7672a75ba42820c2bdaf0a25a0628973d4df7e4c053cda1318b39801d3f0fba827ebe792ec12cbfa998eb736da0f9741c6cfc2dad952491708b7b4ddabb15d37699af13fed29c35d";

    /// @notice {rootOf} for a proof in calldata, with `zeros` from {zeroHashes}: the same root and the same refusals
    ///         (BadLedgerProof(siblings, bits set) for a missing sibling, (siblings, bits used) for a surplus: both are
    ///         the bitmap's popcount), at about a third of the gas: no copy of the siblings, one hash and one branch per
    ///         level. A bitmap naming more siblings than given reads past them (calldata) before it is refused.
    function rootOfCalldata(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] calldata siblings, bytes32[] memory zeros)
        internal
        pure
        returns (bytes32 node)
    {
        uint256 used;
        assembly ("memory-safe") {
            node := leaf
            let next := siblings.offset
            let z := add(zeros, 0x20)
            let end := add(z, shl(5, DEPTH))
            // Below the levels where other keys share the path every sibling is empty: four levels a step, no sibling
            // to load (about a third of the gas of the general step; most of a proof's 256 levels are these).
            for {} and(iszero(and(bitmap, 0xf)), lt(z, end)) {} {
                let right := shl(5, and(k, 1))
                mstore(right, node)
                mstore(xor(right, 0x20), mload(z))
                node := keccak256(0x00, 0x40)
                right := and(k, 2)
                mstore(shl(4, right), node)
                mstore(xor(shl(4, right), 0x20), mload(add(z, 0x20)))
                node := keccak256(0x00, 0x40)
                right := and(k, 4)
                mstore(shl(3, right), node)
                mstore(xor(shl(3, right), 0x20), mload(add(z, 0x40)))
                node := keccak256(0x00, 0x40)
                right := and(k, 8)
                mstore(shl(2, right), node)
                mstore(xor(shl(2, right), 0x20), mload(add(z, 0x60)))
                node := keccak256(0x00, 0x40)
                k := shr(4, k)
                bitmap := shr(4, bitmap)
                z := add(z, 0x80)
            }
            for {} lt(z, end) { z := add(z, 0x20) } {
                let sibling := mload(z)
                if and(bitmap, 1) {
                    sibling := calldataload(next)
                    next := add(next, 0x20)
                }
                bitmap := shr(1, bitmap)
                let right := shl(5, and(k, 1)) // 0x20 when this level's node is a right child
                k := shr(1, k)
                mstore(right, node)
                mstore(xor(right, 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
            used := shr(5, sub(next, siblings.offset))
        }
        if (used != siblings.length) revert BadLedgerProof(siblings.length, used);
    }

    /// @notice One write of key `k`: the roots with `oldLeaf` and with `newLeaf` under it, from one calldata proof (two
    ///         hashes a level). The caller checks `oldRoot` against the root it holds and moves on to `newRoot`.
    function updateCalldata(bytes32 k, bytes32 oldLeaf, bytes32 newLeaf, uint256 bitmap, bytes32[] calldata siblings, bytes32[] memory zeros)
        internal
        pure
        returns (bytes32 oldRoot, bytes32 newRoot)
    {
        uint256 used;
        assembly ("memory-safe") {
            oldRoot := oldLeaf
            newRoot := newLeaf
            let next := siblings.offset
            let z := add(zeros, 0x20)
            let end := add(z, shl(5, DEPTH))
            // As {rootOfCalldata}: two levels a step while the siblings are empty, then the general step.
            for {} and(iszero(and(bitmap, 0x3)), lt(z, end)) {} {
                let right := shl(5, and(k, 1))
                let left := xor(right, 0x20)
                mstore(left, mload(z))
                mstore(right, oldRoot)
                oldRoot := keccak256(0x00, 0x40)
                mstore(right, newRoot)
                newRoot := keccak256(0x00, 0x40)
                right := shl(4, and(k, 2))
                left := xor(right, 0x20)
                mstore(left, mload(add(z, 0x20)))
                mstore(right, oldRoot)
                oldRoot := keccak256(0x00, 0x40)
                mstore(right, newRoot)
                newRoot := keccak256(0x00, 0x40)
                k := shr(2, k)
                bitmap := shr(2, bitmap)
                z := add(z, 0x40)
            }
            for {} lt(z, end) { z := add(z, 0x20) } {
                let sibling := mload(z)
                if and(bitmap, 1) {
                    sibling := calldataload(next)
                    next := add(next, 0x20)
                }
                bitmap := shr(1, bitmap)
                let right := shl(5, and(k, 1))
                k := shr(1, k)
                mstore(xor(right, 0x20), sibling)
                mstore(right, oldRoot)
                oldRoot := keccak256(0x00, 0x40)
                mstore(right, newRoot)
                newRoot := keccak256(0x00, 0x40)
            }
            used := shr(5, sub(next, siblings.offset))
        }
        if (used != siblings.length) revert BadLedgerProof(siblings.length, used);
    }

    function _popcount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
